// SQLite side of the device-management store methods (issue 3): key password,
// activation, certificate expiry summary. Free functions over the store's connection so
// SqliteStore only forwards to them and this area stays in its own file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/store.hpp"

namespace warden::store::sqlite_devices {

Outcome set_key_password(sqlite3* db, std::int64_t device_id, std::string_view password);
std::string key_password(sqlite3* db, std::int64_t device_id);
Outcome set_active(sqlite3* db, std::int64_t device_id, bool active, std::int64_t since);
std::vector<CertExpiry> certificate_expiry(sqlite3* db);

}  // namespace warden::store::sqlite_devices
