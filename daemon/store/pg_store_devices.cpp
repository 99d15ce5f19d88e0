// PgStore: devices and certificates. The SQL mirrors sqlite_store.cpp and
// sqlite_store_devices.cpp; names sort bytewise (COLLATE "C") as SQLite's BINARY does,
// whatever the database's locale.
#include "daemon/store/pg_store.hpp"
#include "daemon/store/pg_store_licenses.hpp"
#include "daemon/store/pg_store_tr.hpp"

namespace warden::store {
namespace {

constexpr std::string_view kDeviceSelect =
    "SELECT d.id, d.name, d.type, g.name, d.serial_number, d.device_code, d.vpn_ip, d.network, "
    "d.addressing, d.local_network, d.monitor, d.email, d.active, d.state, d.state_since, "
    "d.created_at FROM devices d JOIN groups g ON g.id = d.group_id ";

constexpr std::string_view kCertSelect =
    "SELECT c.serial, c.device_id, c.common_name, c.fingerprint, c.not_before, c.not_after, "
    "c.cert_pem, c.key_pem, c.revoked_at, c.created_at, COALESCE(c.enroll_ca, '') "
    "FROM certificates c ";

std::string sql(std::string_view select, std::string_view rest) {
    return std::string(select) + std::string(rest);
}

Device read_device(const pg::Result& r, int row) {
    Device d;
    d.id = r.int64(row, 0);
    d.name = r.text(row, 1);
    d.type = parse_device_type(r.text(row, 2)).value_or(DeviceType::Pc);
    d.group = r.text(row, 3);
    d.serial_number = r.text(row, 4);
    d.device_code = r.text(row, 5);
    d.vpn_ip = static_cast<std::uint32_t>(r.int64(row, 6));
    d.network = r.text(row, 7);
    // Unknown text (never written by wardend) reads as the column's default.
    d.addressing = parse_addressing(r.text(row, 8)).value_or(Addressing::Direct);
    d.local_network = r.text(row, 9);
    d.monitor = r.int64(row, 10) != 0;
    d.email = r.text(row, 11);
    d.active = r.int64(row, 12) != 0;
    d.state = parse_device_state(r.text(row, 13)).value_or(DeviceState::Offline);
    d.state_since = r.int64(row, 14);
    d.created_at = r.int64(row, 15);
    return d;
}

Certificate read_cert(const pg::Result& r, int row) {
    Certificate c;
    c.serial = r.text(row, 0);
    c.device_id = r.optional_int64(row, 1);
    c.common_name = r.text(row, 2);
    c.fingerprint = r.text(row, 3);
    c.not_before = r.int64(row, 4);
    c.not_after = r.int64(row, 5);
    c.cert_pem = r.text(row, 6);
    c.key_pem = r.text(row, 7);
    c.revoked_at = r.optional_int64(row, 8);
    c.created_at = r.int64(row, 9);
    c.enroll_ca = r.text(row, 10);
    return c;
}

std::optional<Device> first_device(const pg::Result& r) {
    if (r.empty()) return std::nullopt;
    return read_device(r, 0);
}

}  // namespace

Outcome PgStore::add_device(Device& d) {
    if (!group_exists(d.group))
        return Outcome::fail(Status::NotFound, "group: unknown group " + d.group);
    try {
        const auto r = conn_.exec_guarded(
            "INSERT INTO devices (name, type, group_id, serial_number, device_code, vpn_ip, "
            "network, addressing, local_network, monitor, email, active, state, state_since, "
            "created_at) VALUES ($1, $2, (SELECT id FROM groups WHERE name = $3), $4, $5, $6, "
            "$7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            {d.name, to_string(d.type), d.group, d.serial_number, d.device_code,
             static_cast<std::int64_t>(d.vpn_ip), d.network, to_string(d.addressing),
             d.local_network, d.monitor, d.email, d.active, to_string(d.state), d.state_since,
             d.created_at});
        d.id = r.int64(0, 0);
    } catch (const pg::PgError& e) {
        if (!e.constraint_violation()) throw;
        if (find_device(d.name))
            return Outcome::fail(Status::Duplicate, "name: a device named " + d.name + " exists");
        return Outcome::fail(Status::Duplicate, "vpn_ip: address already in use");
    }
    return Outcome::success();
}

std::optional<Device> PgStore::find_device(std::string_view name) {
    return first_device(conn_.exec(sql(kDeviceSelect, "WHERE d.name = $1"), {name}));
}

std::optional<Device> PgStore::find_device(std::int64_t id) {
    return first_device(conn_.exec(sql(kDeviceSelect, "WHERE d.id = $1"), {id}));
}

std::vector<Device> PgStore::list_devices() {
    const auto r = conn_.exec(sql(kDeviceSelect, "ORDER BY d.name COLLATE \"C\""));
    std::vector<Device> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_device(r, i));
    return out;
}

std::vector<RoutedNetworkRow> PgStore::routed_networks() {
    const auto r = conn_.exec(
        "SELECT d.id, d.network, g.name FROM devices d JOIN groups g ON g.id = d.group_id "
        "WHERE d.network != '' ORDER BY d.id");
    std::vector<RoutedNetworkRow> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.int64(i, 0), r.text(i, 1), r.text(i, 2)});
    return out;
}

std::size_t PgStore::device_count() {
    return static_cast<std::size_t>(conn_.exec("SELECT COUNT(*) FROM devices").int64(0, 0));
}

std::vector<std::pair<DeviceState, std::uint64_t>> PgStore::device_state_counts() {
    const auto r = conn_.exec("SELECT state, COUNT(*) FROM devices GROUP BY state");
    std::vector<std::pair<DeviceState, std::uint64_t>> out;
    for (int i = 0; i < r.rows(); ++i)
        if (const auto state = model::parse_device_state(r.text(i, 0)))
            out.emplace_back(*state, static_cast<std::uint64_t>(r.int64(i, 1)));
    return out;
}

Outcome PgStore::update_device(const Device& d) {
    if (!group_exists(d.group))
        return Outcome::fail(Status::NotFound, "group: unknown group " + d.group);
    std::int64_t changed = 0;
    try {
        changed = conn_
                      .exec_guarded(
                          "UPDATE devices SET name = $2, type = $3, group_id = (SELECT id FROM "
                          "groups WHERE name = $4), serial_number = $5, device_code = $6, "
                          "vpn_ip = $7, network = $8, addressing = $9, local_network = $10, "
                          "monitor = $11, email = $12, active = $13, state = $14, "
                          "state_since = $15 WHERE id = $1",
                          {d.id, d.name, to_string(d.type), d.group, d.serial_number, d.device_code,
                           static_cast<std::int64_t>(d.vpn_ip), d.network, to_string(d.addressing),
                           d.local_network, d.monitor, d.email, d.active, to_string(d.state),
                           d.state_since})
                      .affected();
    } catch (const pg::PgError& e) {
        if (!e.constraint_violation()) throw;
        return Outcome::fail(Status::Duplicate, "name: a device with that name or address exists");
    }
    if (changed == 0) return Outcome::fail(Status::NotFound, "device not found");
    return Outcome::success();
}

void PgStore::set_device_state(std::int64_t id, DeviceState state, std::int64_t since) {
    conn_.exec("UPDATE devices SET state = $2, state_since = $3 WHERE id = $1 AND state <> $2",
               {id, to_string(state), since});
}

Outcome PgStore::delete_device(std::string_view name, std::int64_t now) {
    auto device = find_device(name);
    if (!device) return Outcome::fail(Status::NotFound, "device not found: " + std::string(name));
    transaction([&] {
        conn_.exec(
            "UPDATE certificates SET revoked_at = $2, key_pem = '' "
            "WHERE device_id = $1 AND revoked_at IS NULL",
            {device->id, now});
        conn_.exec("DELETE FROM devices WHERE id = $1", {device->id});
    });
    return Outcome::success();
}

std::optional<std::uint32_t> PgStore::free_vpn_ip(std::uint32_t first, std::uint32_t last) {
    // Fast path: one past the highest address in use; otherwise the lowest gap.
    const auto max =
        conn_.exec("SELECT MAX(vpn_ip) FROM devices WHERE vpn_ip BETWEEN $1 AND $2", {first, last});
    if (max.is_null(0, 0)) return first;
    const auto highest = static_cast<std::uint32_t>(max.int64(0, 0));
    if (highest < last) return highest + 1;
    if (conn_.exec("SELECT 1 FROM devices WHERE vpn_ip = $1", {first}).empty()) return first;
    const auto gap = conn_.exec(
        "SELECT d.vpn_ip + 1 FROM devices d WHERE d.vpn_ip BETWEEN $1 AND $2 AND "
        "NOT EXISTS (SELECT 1 FROM devices e WHERE e.vpn_ip = d.vpn_ip + 1) "
        "ORDER BY d.vpn_ip LIMIT 1",
        {first, std::int64_t{last} - 1});
    if (!gap.empty()) return static_cast<std::uint32_t>(gap.int64(0, 0));
    return std::nullopt;
}

bool PgStore::group_exists(std::string_view name) {
    return !conn_.exec("SELECT 1 FROM groups WHERE name = $1", {name}).empty();
}

Outcome PgStore::set_key_password(std::int64_t id, std::string_view password) {
    if (conn_.exec("UPDATE devices SET key_password = $2 WHERE id = $1", {id, password})
            .affected() == 0)
        return Outcome::fail(Status::NotFound, "device not found");
    return Outcome::success();
}

std::string PgStore::key_password(std::int64_t id) {
    const auto r = conn_.exec("SELECT key_password FROM devices WHERE id = $1", {id});
    return r.empty() ? std::string() : r.text(0, 0);
}

// A deactivated device shows state "deactivated" from the moment of deactivation; an
// activated one is "offline" until it connects again (its session was ended).
Outcome PgStore::set_device_active(std::int64_t id, bool active, std::int64_t since) {
    const auto changed =
        conn_
            .exec(
                "UPDATE devices SET active = $2, state = $3, state_since = $4 "
                "WHERE id = $1 AND active <> $2",
                {id, active, to_string(active ? DeviceState::Offline : DeviceState::Deactivated),
                 since})
            .affected();
    if (changed == 1) return Outcome::success();
    if (conn_.exec("SELECT 1 FROM devices WHERE id = $1", {id}).empty())
        return Outcome::fail(Status::NotFound, "device not found");
    return Outcome::fail(Status::Invalid, active ? "name: the device is already active"
                                                 : "name: the device is already deactivated");
}

std::vector<CertExpiry> PgStore::certificate_expiry() {
    const auto r = conn_.exec(
        "SELECT device_id, MAX(not_after) FROM certificates "
        "WHERE device_id IS NOT NULL AND revoked_at IS NULL GROUP BY device_id "
        "ORDER BY device_id");
    std::vector<CertExpiry> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.int64(i, 0), r.int64(i, 1)});
    return out;
}

Outcome PgStore::add_certificate(const Certificate& c) {
    try {
        conn_.exec_guarded(
            "INSERT INTO certificates (serial, device_id, common_name, fingerprint, not_before, "
            "not_after, cert_pem, key_pem, revoked_at, created_at, enroll_ca) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULLIF($11, ''))",
            {c.serial, c.device_id, c.common_name, c.fingerprint, c.not_before, c.not_after,
             c.cert_pem, c.key_pem, c.revoked_at, c.created_at, c.enroll_ca});
    } catch (const pg::PgError& e) {
        if (!e.constraint_violation()) throw;
        return Outcome::fail(Status::Duplicate, "serial: certificate already exists");
    }
    return Outcome::success();
}

std::vector<Certificate> PgStore::certificates_of(std::int64_t device_id) {
    const auto r = conn_.exec(
        sql(kCertSelect, "WHERE c.device_id = $1 ORDER BY c.created_at, c.rowid"), {device_id});
    std::vector<Certificate> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_cert(r, i));
    return out;
}

bool PgStore::common_name_in_use(std::string_view common_name, std::int64_t now) {
    return !conn_
                .exec(
                    "SELECT 1 FROM certificates WHERE common_name = $1 AND revoked_at IS NULL "
                    "AND not_after >= $2 LIMIT 1",
                    {common_name, now})
                .empty();
}

std::optional<CertBinding> PgStore::find_by_serial(std::string_view serial) {
    const auto cert = conn_.exec(sql(kCertSelect, "WHERE c.serial = $1"), {serial});
    if (cert.empty()) return std::nullopt;
    CertBinding binding;
    binding.cert = read_cert(cert, 0);
    if (binding.cert.device_id) binding.device = find_device(*binding.cert.device_id);
    if (!binding.device) return binding;
    binding.license = pg_licenses::seat_of(conn_, binding.device->id).license;
    if (auto tr = pg_tr::tr_settings(conn_, binding.device->id))
        binding.time_restriction = TrGate{tr->released_until};
    return binding;
}

std::vector<Certificate> PgStore::certificate_summaries() {
    const auto r = conn_.exec(
        "SELECT serial, device_id, not_before, not_after, revoked_at, fingerprint, "
        "COALESCE(enroll_ca, '') FROM certificates");
    std::vector<Certificate> out;
    for (int i = 0; i < r.rows(); ++i) {
        Certificate& c = out.emplace_back();
        c.serial = r.text(i, 0);
        c.device_id = r.optional_int64(i, 1);
        c.not_before = r.int64(i, 2);
        c.not_after = r.int64(i, 3);
        c.revoked_at = r.optional_int64(i, 4);
        c.fingerprint = r.text(i, 5);
        c.enroll_ca = r.text(i, 6);
    }
    return out;
}

Outcome PgStore::revoke_certificate(std::string_view serial, std::int64_t now) {
    const auto changed = conn_
                             .exec(
                                 "UPDATE certificates SET revoked_at = $2, key_pem = '' "
                                 "WHERE serial = $1 AND revoked_at IS NULL",
                                 {serial, now})
                             .affected();
    if (changed == 1) return Outcome::success();
    if (!conn_.exec("SELECT 1 FROM certificates WHERE serial = $1", {serial}).empty())
        return Outcome::fail(Status::Invalid, "serial: already revoked");
    return Outcome::fail(Status::NotFound, "serial: no such certificate");
}

std::vector<RevokedSerial> PgStore::revoked_serials() {
    const auto r = conn_.exec(
        "SELECT serial, revoked_at FROM certificates WHERE revoked_at IS NOT NULL "
        "ORDER BY revoked_at, serial COLLATE \"C\"");
    std::vector<RevokedSerial> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.int64(i, 1)});
    return out;
}

}  // namespace warden::store
