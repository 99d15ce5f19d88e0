// PostgreSQL side of the license Store methods (schema/pg, tables and triggers of 003).
// Each is the Store method of the same name with the connection first; PgStore forwards
// to these.
#pragma once

#include "daemon/store/pg_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store::pg_licenses {

Outcome add_license(pg::Connection& conn, License& license);
std::optional<License> find_license(pg::Connection& conn, std::string_view name);
std::vector<License> list_licenses(pg::Connection& conn);
Outcome set_license_seats(pg::Connection& conn, std::string_view name, std::int64_t seats);
Outcome assign_license(pg::Connection& conn, std::int64_t device_id, std::string_view license,
                       std::int64_t now);
Outcome unassign_license(pg::Connection& conn, std::int64_t device_id, std::int64_t now);
DeviceSeat seat_of(pg::Connection& conn, std::int64_t device_id);
std::vector<DeviceSeat> device_seats(pg::Connection& conn);
std::vector<std::int64_t> devices_with_license(pg::Connection& conn, std::int64_t license_id);
void note_license_expiry(pg::Connection& conn, std::int64_t license_id, std::int64_t now);

}  // namespace warden::store::pg_licenses
