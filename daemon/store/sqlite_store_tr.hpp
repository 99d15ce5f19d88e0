// SQLite side of the time-restricted access Store methods (schema/009_time_restriction.sql).
// SqliteStore forwards to these so the feature's SQL lives in one file of its own.
#pragma once

#include <sqlite3.h>

#include "daemon/store/store.hpp"

namespace warden::store::sqlite_tr {

Outcome put_settings(sqlite3* db, const TrSettings& settings);
bool delete_settings(sqlite3* db, std::int64_t device_id);
std::optional<TrSettings> settings(sqlite3* db, std::int64_t device_id);
std::vector<TrSettings> all_settings(sqlite3* db);
void set_release(sqlite3* db, std::int64_t device_id, std::int64_t until);
void note_release_end(sqlite3* db, std::int64_t device_id);
void set_token_sent(sqlite3* db, std::int64_t device_id, std::int64_t at);
void add_token(sqlite3* db, TrToken& token);
std::optional<TrToken> find_token(sqlite3* db, std::string_view token_hash);
bool use_token(sqlite3* db, std::int64_t id, std::int64_t now);
std::vector<TrToken> tokens(sqlite3* db, std::int64_t device_id);

}  // namespace warden::store::sqlite_tr
