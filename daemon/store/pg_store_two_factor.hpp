// PostgreSQL side of the two-factor Store methods (schema/pg, tables of 004 and 007).
// Each is the Store method of the same name with the connection first; PgStore forwards
// to these. They run inside whatever transaction is open on the connection.
#pragma once

#include "daemon/store/pg_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store::pg_two_factor {

LoginRequirements login_requirements(pg::Connection& conn, std::int64_t device_id);
std::vector<std::pair<std::int64_t, LoginRequirements>> all_login_requirements(
    pg::Connection& conn);
std::optional<Totp> find_totp(pg::Connection& conn, std::int64_t device_id);
void put_totp(pg::Connection& conn, const Totp& totp);
bool delete_totp(pg::Connection& conn, std::int64_t device_id);
bool advance_totp_step(pg::Connection& conn, std::int64_t device_id, std::int64_t step);
LoginState login_state(pg::Connection& conn, std::int64_t device_id);
void set_password_hash(pg::Connection& conn, std::int64_t device_id, std::string_view hash);
void set_login_failures(pg::Connection& conn, std::int64_t device_id, int failures,
                        std::int64_t locked_until, int lock_level);
std::optional<bool> group_requires_totp(pg::Connection& conn, std::string_view group);
Outcome set_group_requires_totp(pg::Connection& conn, std::string_view group, bool required);
void add_one_time_code(pg::Connection& conn, OneTimeCode& code);
std::vector<OneTimeCode> one_time_codes(pg::Connection& conn,
                                        std::optional<std::int64_t> device_id);
bool use_one_time_code(pg::Connection& conn, std::int64_t id, std::int64_t now);
Outcome delete_one_time_code(pg::Connection& conn, std::int64_t id);
void add_token_session(pg::Connection& conn, std::string_view session_id, std::int64_t device_id,
                       std::int64_t now, std::int64_t expire_before);
std::optional<std::int64_t> token_session_device(pg::Connection& conn, std::string_view session_id);
void drop_token_sessions(pg::Connection& conn, std::int64_t device_id);

}  // namespace warden::store::pg_two_factor
