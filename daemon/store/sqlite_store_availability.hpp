// SQLite side of the availability-alert Store methods (schema/010_availability.sql).
// SqliteStore forwards to these; every write is one statement.
#pragma once

#include <sqlite3.h>

#include "daemon/store/store.hpp"

namespace warden::store::sqlite_availability {

std::vector<OfflineAlert> list(sqlite3* db);
void put(sqlite3* db, const OfflineAlert& alert);
bool clear(sqlite3* db, std::int64_t device_id);

}  // namespace warden::store::sqlite_availability
