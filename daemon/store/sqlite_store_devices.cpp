#include "daemon/store/sqlite_store_devices.hpp"

#include "daemon/store/sqlite_handles.hpp"

namespace warden::store::sqlite_devices {

Outcome set_key_password(sqlite3* db, std::int64_t device_id, std::string_view password) {
    Statement s(db, "UPDATE devices SET key_password = ?2 WHERE id = ?1");
    s.bind(1, device_id).bind(2, password).run();
    if (sqlite3_changes(db) == 0) return Outcome::fail(Status::NotFound, "device not found");
    return Outcome::success();
}

std::string key_password(sqlite3* db, std::int64_t device_id) {
    Statement s(db, "SELECT key_password FROM devices WHERE id = ?1");
    s.bind(1, device_id);
    return s.step() ? s.text(0) : std::string();
}

// A deactivated device shows state "deactivated" from the moment of deactivation; an
// activated one is "offline" until it connects again (its session was ended).
Outcome set_active(sqlite3* db, std::int64_t device_id, bool active, std::int64_t since) {
    Statement s(db,
                "UPDATE devices SET active = ?2, state = ?3, state_since = ?4 "
                "WHERE id = ?1 AND active <> ?2");
    s.bind(1, device_id)
        .bind(2, std::int64_t{active})
        .bind(3, to_string(active ? DeviceState::Offline : DeviceState::Deactivated))
        .bind(4, since)
        .run();
    if (sqlite3_changes(db) == 1) return Outcome::success();
    Statement exists(db, "SELECT 1 FROM devices WHERE id = ?1");
    exists.bind(1, device_id);
    if (!exists.step()) return Outcome::fail(Status::NotFound, "device not found");
    return Outcome::fail(Status::Invalid, active ? "name: the device is already active"
                                                 : "name: the device is already deactivated");
}

std::vector<CertExpiry> certificate_expiry(sqlite3* db) {
    Statement s(db,
                "SELECT device_id, MAX(not_after) FROM certificates "
                "WHERE device_id IS NOT NULL AND revoked_at IS NULL GROUP BY device_id "
                "ORDER BY device_id");
    std::vector<CertExpiry> out;
    while (s.step()) out.push_back({s.int64(0), s.int64(1)});
    return out;
}

}  // namespace warden::store::sqlite_devices
