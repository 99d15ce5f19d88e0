// Licenses and seats on PostgreSQL, as sqlite_store_licenses.cpp. The seat counter
// (`used`) is kept by the schema's triggers and CHECK (used <= seats): taking a seat
// updates the license row, so of two nodes taking the last seat the second waits for the
// first's row lock, then fails the CHECK. That failure is an Outcome here; the statement
// runs in a savepoint so the caller's transaction survives it.
#include "daemon/store/pg_store_licenses.hpp"

namespace warden::store::pg_licenses {
namespace {

constexpr std::string_view kLicenseColumns =
    "l.id, l.name, l.seats, l.used, l.expires_at, l.expiry_noted_at, l.created_at";

License read_license(const pg::Result& r, int row, int base = 0) {
    License l;
    l.id = r.int64(row, base + 0);
    l.name = r.text(row, base + 1);
    l.seats = r.int64(row, base + 2);
    l.used = r.int64(row, base + 3);
    l.expires_at = r.optional_int64(row, base + 4);
    l.expiry_noted_at = r.optional_int64(row, base + 5);
    l.created_at = r.int64(row, base + 6);
    return l;
}

// Row: device_id, since, then the license columns (NULL when the seat is unassigned).
DeviceSeat read_seat(const pg::Result& r, int row) {
    DeviceSeat seat;
    seat.device_id = r.int64(row, 0);
    seat.since = r.int64(row, 1);
    if (!r.is_null(row, 2)) seat.license = read_license(r, row, 2);
    return seat;
}

std::string seat_query(std::string_view where) {
    return "SELECT s.device_id, s.since, " + std::string(kLicenseColumns) +
           " FROM license_seats s LEFT JOIN licenses l ON l.id = s.license_id " +
           std::string(where);
}

bool device_exists(pg::Connection& conn, std::int64_t id) {
    return !conn.exec("SELECT 1 FROM devices WHERE id = $1", {id}).empty();
}

// A full license: the CHECK on licenses (23514), or a trigger's own RAISE.
bool is_seat_refusal(const pg::PgError& e) {
    return e.constraint_violation() || e.raised();
}

}  // namespace

Outcome add_license(pg::Connection& conn, License& l) {
    // Both refusals are decided before the INSERT (no error aborts the caller's
    // transaction); ON CONFLICT covers a name another node added meanwhile.
    if (l.seats < 0) {
        if (find_license(conn, l.name))
            return Outcome::fail(Status::Duplicate, "name: a license named " + l.name + " exists");
        return Outcome::fail(Status::Invalid, "seats: must not be negative");
    }
    const auto r = conn.exec(
        "INSERT INTO licenses (name, seats, expires_at, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (name) DO NOTHING RETURNING id",
        {l.name, l.seats, l.expires_at, l.created_at});
    if (r.empty())
        return Outcome::fail(Status::Duplicate, "name: a license named " + l.name + " exists");
    l.id = r.int64(0, 0);
    l.used = 0;
    return Outcome::success();
}

std::optional<License> find_license(pg::Connection& conn, std::string_view name) {
    const auto r = conn.exec(
        "SELECT " + std::string(kLicenseColumns) + " FROM licenses l WHERE l.name = $1", {name});
    if (r.empty()) return std::nullopt;
    return read_license(r, 0);
}

std::vector<License> list_licenses(pg::Connection& conn) {
    const auto r =
        conn.exec("SELECT " + std::string(kLicenseColumns) + " FROM licenses l ORDER BY l.name");
    std::vector<License> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_license(r, i));
    return out;
}

Outcome set_license_seats(pg::Connection& conn, std::string_view name, std::int64_t seats) {
    auto license = find_license(conn, name);
    if (!license)
        return Outcome::fail(Status::NotFound, "license: unknown license " + std::string(name));
    // `used <= $2` in the UPDATE too: a seat another node takes meanwhile refuses the
    // change here instead of failing the CHECK (an error would abort the transaction).
    if (seats >= license->used &&
        conn.exec("UPDATE licenses SET seats = $2 WHERE id = $1 AND used <= $2",
                  {license->id, seats})
                .affected() == 1)
        return Outcome::success();
    if (auto current = find_license(conn, name)) license = current;
    return Outcome::fail(Status::Invalid, "seats: " + std::to_string(license->used) +
                                              " devices hold a seat of " + license->name);
}

Outcome assign_license(pg::Connection& conn, std::int64_t device_id, std::string_view name,
                       std::int64_t now) {
    auto license = find_license(conn, name);
    if (!license)
        return Outcome::fail(Status::NotFound, "license: unknown license " + std::string(name));
    if (!device_exists(conn, device_id)) return Outcome::fail(Status::NotFound, "device not found");
    const DeviceSeat current = seat_of(conn, device_id);
    if (current.license && current.license->id == license->id) return Outcome::success();
    try {
        conn.exec_guarded(
            "INSERT INTO license_seats (device_id, license_id, since) VALUES ($1, $2, $3) "
            "ON CONFLICT (device_id) DO UPDATE SET license_id = excluded.license_id, "
            "since = excluded.since",
            {device_id, license->id, now});
    } catch (const pg::PgError& e) {
        if (!is_seat_refusal(e)) throw;
        return Outcome::fail(Status::Invalid, "license: no free seat on " + license->name + " (" +
                                                  std::to_string(license->used) + " of " +
                                                  std::to_string(license->seats) + " used)");
    }
    return Outcome::success();
}

Outcome unassign_license(pg::Connection& conn, std::int64_t device_id, std::int64_t now) {
    const DeviceSeat current = seat_of(conn, device_id);
    if (!current.license)
        return Outcome::fail(Status::Invalid, "license: the device holds no seat");
    conn.exec("UPDATE license_seats SET license_id = NULL, since = $2 WHERE device_id = $1",
              {device_id, now});
    return Outcome::success();
}

DeviceSeat seat_of(pg::Connection& conn, std::int64_t device_id) {
    const auto r = conn.exec(seat_query("WHERE s.device_id = $1"), {device_id});
    if (r.empty()) return DeviceSeat{device_id, std::nullopt, 0};
    return read_seat(r, 0);
}

std::vector<DeviceSeat> device_seats(pg::Connection& conn) {
    const auto r = conn.exec(seat_query("ORDER BY s.device_id"));
    std::vector<DeviceSeat> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_seat(r, i));
    return out;
}

std::vector<std::int64_t> devices_with_license(pg::Connection& conn, std::int64_t license_id) {
    const auto r =
        conn.exec("SELECT device_id FROM license_seats WHERE license_id = $1 ORDER BY device_id",
                  {license_id});
    std::vector<std::int64_t> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.int64(i, 0));
    return out;
}

void note_license_expiry(pg::Connection& conn, std::int64_t license_id, std::int64_t now) {
    conn.exec("UPDATE licenses SET expiry_noted_at = $2 WHERE id = $1", {license_id, now});
}

}  // namespace warden::store::pg_licenses
