// PostgreSQL side of the availability-alert Store methods (schema/pg, table of 010). Each
// is the Store method of the same name with the connection first; PgStore forwards to
// these. Every write is one statement.
#pragma once

#include "daemon/store/pg_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store::pg_availability {

std::vector<OfflineAlert> offline_alerts(pg::Connection& conn);
void put_offline_alert(pg::Connection& conn, const OfflineAlert& alert);
bool clear_offline_alert(pg::Connection& conn, std::int64_t device_id);

}  // namespace warden::store::pg_availability
