// Offline alerts awaiting their recovery alert, on PostgreSQL (as
// sqlite_store_availability.cpp).
#include "daemon/store/pg_store_availability.hpp"

namespace warden::store::pg_availability {

std::vector<OfflineAlert> offline_alerts(pg::Connection& conn) {
    const auto r = conn.exec(
        "SELECT device_id, offline_since, alerted_at FROM offline_alerts ORDER BY device_id");
    std::vector<OfflineAlert> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.int64(i, 0), r.int64(i, 1), r.int64(i, 2)});
    return out;
}

void put_offline_alert(pg::Connection& conn, const OfflineAlert& alert) {
    conn.exec(
        "INSERT INTO offline_alerts (device_id, offline_since, alerted_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (device_id) DO UPDATE SET offline_since = excluded.offline_since, "
        "alerted_at = excluded.alerted_at",
        {alert.device_id, alert.offline_since, alert.alerted_at});
}

bool clear_offline_alert(pg::Connection& conn, std::int64_t device_id) {
    return conn.exec("DELETE FROM offline_alerts WHERE device_id = $1", {device_id}).affected() > 0;
}

}  // namespace warden::store::pg_availability
