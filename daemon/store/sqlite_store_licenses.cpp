// Licenses and seats. The seat counter (`used`) and the "no more than `seats`" rule live
// in the schema (003: triggers and a CHECK), so a full license is a constraint error here.
#include "daemon/store/sqlite_store_parts.hpp"

namespace warden::store {
namespace {

constexpr std::string_view kLicenseColumns =
    "l.id, l.name, l.seats, l.used, l.expires_at, l.expiry_noted_at, l.created_at";

License read_license(const Statement& s, int base = 0) {
    License l;
    l.id = s.int64(base + 0);
    l.name = s.text(base + 1);
    l.seats = s.int64(base + 2);
    l.used = s.int64(base + 3);
    l.expires_at = s.optional_int64(base + 4);
    l.expiry_noted_at = s.optional_int64(base + 5);
    l.created_at = s.int64(base + 6);
    return l;
}

// Row: device_id, since, then the license columns (NULL when the seat is unassigned).
DeviceSeat read_seat(const Statement& s) {
    DeviceSeat seat;
    seat.device_id = s.int64(0);
    seat.since = s.int64(1);
    if (!s.is_null(2)) seat.license = read_license(s, 2);
    return seat;
}

std::string seat_query(std::string_view where) {
    return "SELECT s.device_id, s.since, " + std::string(kLicenseColumns) +
           " FROM license_seats s LEFT JOIN licenses l ON l.id = s.license_id " +
           std::string(where);
}

bool is_constraint(const SqliteError& e) {
    return (e.code & 0xff) == SQLITE_CONSTRAINT;
}

bool device_exists(sqlite3* db, std::int64_t id) {
    Statement s(db, "SELECT 1 FROM devices WHERE id = ?1");
    s.bind(1, id);
    return s.step();
}

}  // namespace

LicenseTables::LicenseTables(sqlite3* db)
    : db_(db), seat_of_(db, seat_query("WHERE s.device_id = ?1")) {}

Outcome LicenseTables::add(License& l) {
    Statement s(db_,
                "INSERT INTO licenses (name, seats, expires_at, created_at) "
                "VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, l.name).bind(2, l.seats).bind(3, l.expires_at).bind(4, l.created_at);
    try {
        s.run();
    } catch (const SqliteError& e) {
        if (!is_constraint(e)) throw;
        if (find(l.name))
            return Outcome::fail(Status::Duplicate, "name: a license named " + l.name + " exists");
        return Outcome::fail(Status::Invalid, "seats: must not be negative");
    }
    l.id = sqlite3_last_insert_rowid(db_);
    l.used = 0;
    return Outcome::success();
}

std::optional<License> LicenseTables::find(std::string_view name) {
    Statement s(db_,
                "SELECT " + std::string(kLicenseColumns) + " FROM licenses l WHERE l.name = ?1");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return read_license(s);
}

std::vector<License> LicenseTables::list() {
    Statement s(db_, "SELECT " + std::string(kLicenseColumns) + " FROM licenses l ORDER BY l.name");
    std::vector<License> out;
    while (s.step()) out.push_back(read_license(s));
    return out;
}

Outcome LicenseTables::set_seats(std::string_view name, std::int64_t seats) {
    auto license = find(name);
    if (!license)
        return Outcome::fail(Status::NotFound, "license: unknown license " + std::string(name));
    if (seats < license->used)
        return Outcome::fail(Status::Invalid, "seats: " + std::to_string(license->used) +
                                                  " devices hold a seat of " + license->name);
    Statement s(db_, "UPDATE licenses SET seats = ?2 WHERE id = ?1");
    s.bind(1, license->id).bind(2, seats).run();
    return Outcome::success();
}

Outcome LicenseTables::assign(std::int64_t device_id, std::string_view name, std::int64_t now) {
    auto license = find(name);
    if (!license)
        return Outcome::fail(Status::NotFound, "license: unknown license " + std::string(name));
    if (!device_exists(db_, device_id)) return Outcome::fail(Status::NotFound, "device not found");
    const DeviceSeat current = seat_of(device_id);
    if (current.license && current.license->id == license->id) return Outcome::success();
    Statement s(db_,
                "INSERT INTO license_seats (device_id, license_id, since) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (device_id) DO UPDATE SET license_id = excluded.license_id, "
                "since = excluded.since");
    s.bind(1, device_id).bind(2, license->id).bind(3, now);
    try {
        s.run();
    } catch (const SqliteError& e) {
        if (!is_constraint(e)) throw;
        return Outcome::fail(Status::Invalid, "license: no free seat on " + license->name + " (" +
                                                  std::to_string(license->used) + " of " +
                                                  std::to_string(license->seats) + " used)");
    }
    return Outcome::success();
}

Outcome LicenseTables::unassign(std::int64_t device_id, std::int64_t now) {
    const DeviceSeat current = seat_of(device_id);
    if (!current.license)
        return Outcome::fail(Status::Invalid, "license: the device holds no seat");
    Statement s(db_, "UPDATE license_seats SET license_id = NULL, since = ?2 WHERE device_id = ?1");
    s.bind(1, device_id).bind(2, now).run();
    return Outcome::success();
}

DeviceSeat LicenseTables::seat_of(std::int64_t device_id) {
    struct Reset {
        Statement& s;
        ~Reset() { s.reset(); }
    } reset{seat_of_};
    seat_of_.bind(1, device_id);
    if (!seat_of_.step()) return DeviceSeat{device_id, std::nullopt, 0};
    return read_seat(seat_of_);
}

std::vector<DeviceSeat> LicenseTables::seats() {
    Statement s(db_, seat_query("ORDER BY s.device_id"));
    std::vector<DeviceSeat> out;
    while (s.step()) out.push_back(read_seat(s));
    return out;
}

std::vector<std::int64_t> LicenseTables::devices_with(std::int64_t license_id) {
    Statement s(db_,
                "SELECT device_id FROM license_seats WHERE license_id = ?1 ORDER BY device_id");
    s.bind(1, license_id);
    std::vector<std::int64_t> out;
    while (s.step()) out.push_back(s.int64(0));
    return out;
}

void LicenseTables::note_expiry(std::int64_t license_id, std::int64_t now) {
    Statement s(db_, "UPDATE licenses SET expiry_noted_at = ?2 WHERE id = ?1");
    s.bind(1, license_id).bind(2, now).run();
}

}  // namespace warden::store
