// SQLite side of the two-factor Store methods. SqliteStore (sqlite_store.cpp) forwards to
// these so the feature's SQL lives in one file of its own.
#pragma once

#include <sqlite3.h>

#include "daemon/store/sqlite_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store::sqlite_two_factor {

// The statement asked for every connecting client, prepared once.
class HotStatements {
  public:
    explicit HotStatements(sqlite3* db);
    LoginRequirements login_requirements(std::int64_t device_id);

  private:
    Statement requirements_;
};

std::vector<std::pair<std::int64_t, LoginRequirements>> all_login_requirements(sqlite3* db);
std::optional<Totp> find_totp(sqlite3* db, std::int64_t device_id);
void put_totp(sqlite3* db, const Totp& totp);
bool delete_totp(sqlite3* db, std::int64_t device_id);
bool advance_totp_step(sqlite3* db, std::int64_t device_id, std::int64_t step);
LoginState login_state(sqlite3* db, std::int64_t device_id);
void set_password_hash(sqlite3* db, std::int64_t device_id, std::string_view hash);
void set_login_failures(sqlite3* db, std::int64_t device_id, int failures,
                        std::int64_t locked_until, int lock_level);
std::optional<bool> group_requires_totp(sqlite3* db, std::string_view group);
Outcome set_group_requires_totp(sqlite3* db, std::string_view group, bool required);
void add_one_time_code(sqlite3* db, OneTimeCode& code);
std::vector<OneTimeCode> one_time_codes(sqlite3* db, std::optional<std::int64_t> device_id);
bool use_one_time_code(sqlite3* db, std::int64_t id, std::int64_t now);
Outcome delete_one_time_code(sqlite3* db, std::int64_t id);
void add_token_session(sqlite3* db, std::string_view session_id, std::int64_t device_id,
                       std::int64_t now, std::int64_t expire_before);
std::optional<std::int64_t> token_session_device(sqlite3* db, std::string_view session_id);
void drop_token_sessions(sqlite3* db, std::int64_t device_id);

}  // namespace warden::store::sqlite_two_factor
