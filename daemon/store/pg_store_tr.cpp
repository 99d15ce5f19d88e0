// Time-restricted access on PostgreSQL: the statements of sqlite_store_tr.cpp. Writes
// that touch two tables are one statement each (a data-modifying WITH), so they are
// atomic even outside a transaction; use_tr_token is a conditional UPDATE, so two nodes
// confirming one token cannot both succeed.
#include "daemon/store/pg_store_tr.hpp"

namespace warden::store::pg_tr {
namespace {

constexpr std::string_view kSettingsColumns =
    "SELECT device_id, mode, start_at, end_at, duration, released_until, release_noted, "
    "last_token_sent_at FROM device_tr ";

TrSettings read_settings(const pg::Result& r, int row) {
    TrSettings t;
    t.device_id = r.int64(row, 0);
    t.mode = model::parse_tr_mode(r.text(row, 1)).value_or(TrMode::Window);
    t.start = r.int64(row, 2);
    t.end = r.int64(row, 3);
    t.duration = r.int64(row, 4);
    t.released_until = r.optional_int64(row, 5);
    t.release_noted = r.boolean(row, 6);
    t.last_token_sent_at = r.optional_int64(row, 7);
    return t;
}

constexpr std::string_view kTokenColumns =
    "SELECT id, token_hash, device_id, created_at, expires_at, used_at FROM tr_tokens ";

TrToken read_token(const pg::Result& r, int row) {
    TrToken t;
    t.id = r.int64(row, 0);
    t.token_hash = r.text(row, 1);
    t.device_id = r.int64(row, 2);
    t.created_at = r.int64(row, 3);
    t.expires_at = r.int64(row, 4);
    t.used_at = r.optional_int64(row, 5);
    return t;
}

}  // namespace

Outcome put_tr_settings(pg::Connection& conn, const TrSettings& t) {
    // A new setting starts unreleased: a release and tokens were for the old window. The
    // SELECT ... WHERE EXISTS inserts nothing for an unknown device (no FK error that would
    // abort the caller's transaction).
    const auto r = conn.exec(
        "WITH dropped AS (DELETE FROM tr_tokens WHERE device_id = $1 "
        "AND EXISTS (SELECT 1 FROM devices WHERE id = $1)) "
        "INSERT INTO device_tr (device_id, mode, start_at, end_at, duration) "
        "SELECT $1::bigint, $2::text, $3::bigint, $4::bigint, $5::bigint "
        "WHERE EXISTS (SELECT 1 FROM devices WHERE id = $1) "
        "ON CONFLICT (device_id) DO UPDATE SET "
        "mode = excluded.mode, start_at = excluded.start_at, end_at = excluded.end_at, "
        "duration = excluded.duration, released_until = NULL, release_noted = 0, "
        "last_token_sent_at = NULL",
        {t.device_id, to_string(t.mode), t.start, t.end, t.duration});
    if (r.affected() == 0) return Outcome::fail(Status::NotFound, "device: no such device");
    return Outcome::success();
}

bool delete_tr_settings(pg::Connection& conn, std::int64_t device_id) {
    return conn.exec(
                   "WITH dropped AS (DELETE FROM tr_tokens WHERE device_id = $1) "
                   "DELETE FROM device_tr WHERE device_id = $1",
                   {device_id})
               .affected() > 0;
}

std::optional<TrSettings> tr_settings(pg::Connection& conn, std::int64_t device_id) {
    const auto r = conn.exec(std::string(kSettingsColumns) + "WHERE device_id = $1", {device_id});
    if (r.empty()) return std::nullopt;
    return read_settings(r, 0);
}

std::vector<TrSettings> all_tr_settings(pg::Connection& conn) {
    const auto r = conn.exec(std::string(kSettingsColumns) + "ORDER BY device_id");
    std::vector<TrSettings> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_settings(r, i));
    return out;
}

void set_tr_release(pg::Connection& conn, std::int64_t device_id, std::int64_t until) {
    conn.exec(
        "UPDATE device_tr SET released_until = $2, release_noted = 0 "
        "WHERE device_id = $1",
        {device_id, until});
}

void note_tr_release_end(pg::Connection& conn, std::int64_t device_id) {
    conn.exec("UPDATE device_tr SET release_noted = 1 WHERE device_id = $1", {device_id});
}

void set_tr_token_sent(pg::Connection& conn, std::int64_t device_id, std::int64_t at) {
    conn.exec("UPDATE device_tr SET last_token_sent_at = $2 WHERE device_id = $1", {device_id, at});
}

void add_tr_token(pg::Connection& conn, TrToken& t) {
    const auto r = conn.exec(
        "INSERT INTO tr_tokens (token_hash, device_id, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4) RETURNING id",
        {t.token_hash, t.device_id, t.created_at, t.expires_at});
    t.id = r.int64(0, 0);
    t.used_at.reset();
}

std::optional<TrToken> find_tr_token(pg::Connection& conn, std::string_view token_hash) {
    const auto r = conn.exec(std::string(kTokenColumns) + "WHERE token_hash = $1", {token_hash});
    if (r.empty()) return std::nullopt;
    return read_token(r, 0);
}

bool use_tr_token(pg::Connection& conn, std::int64_t id, std::int64_t now) {
    return conn.exec(
                   "UPDATE tr_tokens SET used_at = $2 "
                   "WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
                   {id, now})
               .affected() == 1;
}

std::vector<TrToken> tr_tokens(pg::Connection& conn, std::int64_t device_id) {
    const auto r = conn.exec(std::string(kTokenColumns) + "WHERE device_id = $1 ORDER BY id DESC",
                             {device_id});
    std::vector<TrToken> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_token(r, i));
    return out;
}

}  // namespace warden::store::pg_tr
