// Offline alerts awaiting their recovery alert (schema/010_availability.sql).
#include "daemon/store/sqlite_store_availability.hpp"

#include "daemon/store/sqlite_handles.hpp"

namespace warden::store::sqlite_availability {

std::vector<OfflineAlert> list(sqlite3* db) {
    Statement s(db,
                "SELECT device_id, offline_since, alerted_at FROM offline_alerts "
                "ORDER BY device_id");
    std::vector<OfflineAlert> out;
    while (s.step()) out.push_back({s.int64(0), s.int64(1), s.int64(2)});
    return out;
}

void put(sqlite3* db, const OfflineAlert& alert) {
    Statement s(db,
                "INSERT OR REPLACE INTO offline_alerts (device_id, offline_since, alerted_at) "
                "VALUES (?1, ?2, ?3)");
    s.bind(1, alert.device_id).bind(2, alert.offline_since).bind(3, alert.alerted_at).run();
}

bool clear(sqlite3* db, std::int64_t device_id) {
    Statement s(db, "DELETE FROM offline_alerts WHERE device_id = ?1");
    s.bind(1, device_id).run();
    return sqlite3_changes(db) > 0;
}

}  // namespace warden::store::sqlite_availability
