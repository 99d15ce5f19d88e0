// PostgreSQL side of the traffic and activity-by-object Store methods (schema/pg, 003).
// Each is the Store method of the same name with the connection first; PgStore forwards
// to these (backup is PgStore's own).
#pragma once

#include "daemon/store/pg_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store::pg_usage {

void add_traffic(pg::Connection& conn, const Traffic& traffic);
std::vector<Traffic> traffic_of(pg::Connection& conn, std::int64_t device_id);
std::vector<std::array<Traffic, 3>> traffic_summary(pg::Connection& conn, int month, int previous);
std::vector<ActivityEntry> activity_for(pg::Connection& conn, std::string_view object,
                                        std::int64_t since, std::size_t limit);

}  // namespace warden::store::pg_usage
