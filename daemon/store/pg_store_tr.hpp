// PostgreSQL side of the time-restricted access Store methods (schema/pg, tables of 009).
// Each is the Store method of the same name with the connection first; PgStore forwards
// to these.
#pragma once

#include "daemon/store/pg_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store::pg_tr {

Outcome put_tr_settings(pg::Connection& conn, const TrSettings& settings);
bool delete_tr_settings(pg::Connection& conn, std::int64_t device_id);
std::optional<TrSettings> tr_settings(pg::Connection& conn, std::int64_t device_id);
std::vector<TrSettings> all_tr_settings(pg::Connection& conn);
void set_tr_release(pg::Connection& conn, std::int64_t device_id, std::int64_t until);
void note_tr_release_end(pg::Connection& conn, std::int64_t device_id);
void set_tr_token_sent(pg::Connection& conn, std::int64_t device_id, std::int64_t at);
void add_tr_token(pg::Connection& conn, TrToken& token);
std::optional<TrToken> find_tr_token(pg::Connection& conn, std::string_view token_hash);
bool use_tr_token(pg::Connection& conn, std::int64_t id, std::int64_t now);
std::vector<TrToken> tr_tokens(pg::Connection& conn, std::int64_t device_id);

}  // namespace warden::store::pg_tr
