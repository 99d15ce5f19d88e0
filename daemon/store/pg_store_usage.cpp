// Traffic per device per month and activity by object on PostgreSQL, as
// sqlite_store_usage.cpp. Byte counts are unsigned in C++ and bigint in the table, as in
// SQLite; the sums are cast back to bigint (SUM(bigint) is numeric in PostgreSQL).
#include "daemon/store/pg_store_usage.hpp"

namespace warden::store::pg_usage {
namespace {

std::uint64_t u64(const pg::Result& r, int row, int column) {
    return static_cast<std::uint64_t>(r.int64(row, column));
}

}  // namespace

void add_traffic(pg::Connection& conn, const Traffic& t) {
    // A device deleted while its session was ending has nothing left to count against.
    conn.exec(
        "INSERT INTO traffic_monthly AS m (device_id, month, bytes_received, bytes_sent) "
        "SELECT $1::bigint, $2::bigint, $3::bigint, $4::bigint "
        "WHERE EXISTS (SELECT 1 FROM devices WHERE id = $1) "
        "ON CONFLICT (device_id, month) DO UPDATE SET "
        "bytes_received = m.bytes_received + excluded.bytes_received, "
        "bytes_sent = m.bytes_sent + excluded.bytes_sent",
        {t.device_id, std::int64_t{t.month}, static_cast<std::int64_t>(t.bytes_received),
         static_cast<std::int64_t>(t.bytes_sent)});
}

std::vector<Traffic> traffic_of(pg::Connection& conn, std::int64_t device_id) {
    const auto r = conn.exec(
        "SELECT device_id, month, bytes_received, bytes_sent FROM traffic_monthly "
        "WHERE device_id = $1 ORDER BY month",
        {device_id});
    std::vector<Traffic> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.int64(i, 0), static_cast<int>(r.int64(i, 1)), u64(r, i, 2), u64(r, i, 3)});
    return out;
}

std::vector<std::array<Traffic, 3>> traffic_summary(pg::Connection& conn, int month, int previous) {
    const auto r = conn.exec(
        "SELECT device_id, "
        "SUM(CASE WHEN month = $1 THEN bytes_received ELSE 0 END)::bigint, "
        "SUM(CASE WHEN month = $1 THEN bytes_sent ELSE 0 END)::bigint, "
        "SUM(CASE WHEN month = $2 THEN bytes_received ELSE 0 END)::bigint, "
        "SUM(CASE WHEN month = $2 THEN bytes_sent ELSE 0 END)::bigint, "
        "SUM(bytes_received)::bigint, SUM(bytes_sent)::bigint "
        "FROM traffic_monthly GROUP BY device_id ORDER BY device_id",
        {month, previous});
    std::vector<std::array<Traffic, 3>> out;
    for (int i = 0; i < r.rows(); ++i) {
        const std::int64_t id = r.int64(i, 0);
        out.push_back({Traffic{id, month, u64(r, i, 1), u64(r, i, 2)},
                       Traffic{id, previous, u64(r, i, 3), u64(r, i, 4)},
                       Traffic{id, 0, u64(r, i, 5), u64(r, i, 6)}});
    }
    return out;
}

std::vector<ActivityEntry> activity_for(pg::Connection& conn, std::string_view object,
                                        std::int64_t since, std::size_t limit) {
    const auto r = conn.exec(
        "SELECT id, at, actor, action, object, details FROM activity_log "
        "WHERE object = $1 AND at >= $2 ORDER BY id DESC LIMIT $3",
        {object, since, limit});
    std::vector<ActivityEntry> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(
            {r.int64(i, 0), r.int64(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5)});
    return out;
}

}  // namespace warden::store::pg_usage
