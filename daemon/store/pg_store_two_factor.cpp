// Two-factor tables on PostgreSQL. The same statements as sqlite_store_two_factor.cpp;
// the replay guard and the one-time-code use are conditional UPDATEs, so of two nodes
// racing for one TOTP step or one code the second waits for the first's row lock, sees
// the changed row and updates nothing.
#include "daemon/store/pg_store_two_factor.hpp"

namespace warden::store::pg_two_factor {
namespace {

constexpr std::string_view kRequirementsFrom =
    "FROM devices d JOIN groups g ON g.id = d.group_id "
    "LEFT JOIN device_totp t ON t.device_id = d.id "
    "LEFT JOIN device_login l ON l.device_id = d.id ";

}  // namespace

LoginRequirements login_requirements(pg::Connection& conn, std::int64_t device_id) {
    const auto r = conn.exec(
        "SELECT COALESCE(t.enforced, 0) <> 0, "
        "COALESCE(l.password_hash, '') <> '', g.require_totp <> 0 " +
            std::string(kRequirementsFrom) + "WHERE d.id = $1",
        {device_id});
    if (r.empty()) return {};
    return {r.boolean(0, 0), r.boolean(0, 1), r.boolean(0, 2)};
}

// Only devices with a TOTP row, a password or a group requiring TOTP: the rest need
// nothing and are not listed.
std::vector<std::pair<std::int64_t, LoginRequirements>> all_login_requirements(
    pg::Connection& conn) {
    const auto r = conn.exec(
        "SELECT d.id, COALESCE(t.enforced, 0) <> 0, "
        "COALESCE(l.password_hash, '') <> '', g.require_totp <> 0 " +
        std::string(kRequirementsFrom) +
        "WHERE t.enforced <> 0 OR l.password_hash <> '' OR g.require_totp <> 0 "
        "ORDER BY d.id");
    std::vector<std::pair<std::int64_t, LoginRequirements>> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.int64(i, 0), {r.boolean(i, 1), r.boolean(i, 2), r.boolean(i, 3)}});
    return out;
}

std::optional<Totp> find_totp(pg::Connection& conn, std::int64_t device_id) {
    const auto r = conn.exec(
        "SELECT device_id, secret, confirmed_at, enforced, last_step, created_at "
        "FROM device_totp WHERE device_id = $1",
        {device_id});
    if (r.empty()) return std::nullopt;
    Totp t;
    t.device_id = r.int64(0, 0);
    t.secret = r.text(0, 1);
    t.confirmed_at = r.optional_int64(0, 2);
    t.enforced = r.boolean(0, 3);
    t.last_step = r.int64(0, 4);
    t.created_at = r.int64(0, 5);
    return t;
}

void put_totp(pg::Connection& conn, const Totp& t) {
    conn.exec(
        "INSERT INTO device_totp (device_id, secret, confirmed_at, enforced, last_step, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (device_id) DO UPDATE SET "
        "secret = excluded.secret, confirmed_at = excluded.confirmed_at, "
        "enforced = excluded.enforced, last_step = excluded.last_step, "
        "created_at = excluded.created_at",
        {t.device_id, t.secret, t.confirmed_at, t.enforced, t.last_step, t.created_at});
}

bool delete_totp(pg::Connection& conn, std::int64_t device_id) {
    return conn.exec("DELETE FROM device_totp WHERE device_id = $1", {device_id}).affected() > 0;
}

bool advance_totp_step(pg::Connection& conn, std::int64_t device_id, std::int64_t step) {
    return conn.exec(
                   "UPDATE device_totp SET last_step = $2 "
                   "WHERE device_id = $1 AND last_step < $2",
                   {device_id, step})
               .affected() == 1;
}

LoginState login_state(pg::Connection& conn, std::int64_t device_id) {
    const auto r = conn.exec(
        "SELECT password_hash, failures, locked_until, lock_level FROM device_login "
        "WHERE device_id = $1",
        {device_id});
    LoginState out;
    if (r.empty()) return out;
    out.password_hash = r.text(0, 0);
    out.failures = static_cast<int>(r.int64(0, 1));
    out.locked_until = r.int64(0, 2);
    out.lock_level = static_cast<int>(r.int64(0, 3));
    return out;
}

void set_password_hash(pg::Connection& conn, std::int64_t device_id, std::string_view hash) {
    conn.exec(
        "INSERT INTO device_login (device_id, password_hash) VALUES ($1, $2) "
        "ON CONFLICT (device_id) DO UPDATE SET password_hash = excluded.password_hash",
        {device_id, hash});
}

void set_login_failures(pg::Connection& conn, std::int64_t device_id, int failures,
                        std::int64_t locked_until, int lock_level) {
    conn.exec(
        "INSERT INTO device_login (device_id, failures, locked_until, lock_level) "
        "VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (device_id) DO UPDATE SET failures = excluded.failures, "
        "locked_until = excluded.locked_until, lock_level = excluded.lock_level",
        {device_id, failures, locked_until, lock_level});
}

std::optional<bool> group_requires_totp(pg::Connection& conn, std::string_view group) {
    const auto r = conn.exec("SELECT require_totp FROM groups WHERE name = $1", {group});
    if (r.empty()) return std::nullopt;
    return r.boolean(0, 0);
}

Outcome set_group_requires_totp(pg::Connection& conn, std::string_view group, bool required) {
    const auto r =
        conn.exec("UPDATE groups SET require_totp = $2 WHERE name = $1", {group, required});
    if (r.affected() == 0)
        return Outcome::fail(Status::NotFound, "group: unknown group " + std::string(group));
    return Outcome::success();
}

void add_one_time_code(pg::Connection& conn, OneTimeCode& c) {
    const auto r = conn.exec(
        "INSERT INTO one_time_codes (device_id, code_hash, created_at, expires_at, used_at) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id",
        {c.device_id, c.code_hash, c.created_at, c.expires_at, c.used_at});
    c.id = r.int64(0, 0);
}

std::vector<OneTimeCode> one_time_codes(pg::Connection& conn,
                                        std::optional<std::int64_t> device_id) {
    const auto r = conn.exec(
        "SELECT o.id, o.device_id, d.name, o.code_hash, o.created_at, o.expires_at, "
        "o.used_at FROM one_time_codes o JOIN devices d ON d.id = o.device_id "
        "WHERE $1::bigint IS NULL OR o.device_id = $1::bigint ORDER BY o.id DESC",
        {device_id});
    std::vector<OneTimeCode> out;
    for (int i = 0; i < r.rows(); ++i) {
        OneTimeCode c;
        c.id = r.int64(i, 0);
        c.device_id = r.int64(i, 1);
        c.device_name = r.text(i, 2);
        c.code_hash = r.text(i, 3);
        c.created_at = r.int64(i, 4);
        c.expires_at = r.int64(i, 5);
        c.used_at = r.optional_int64(i, 6);
        out.push_back(std::move(c));
    }
    return out;
}

bool use_one_time_code(pg::Connection& conn, std::int64_t id, std::int64_t now) {
    return conn.exec(
                   "UPDATE one_time_codes SET used_at = $2 "
                   "WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
                   {id, now})
               .affected() == 1;
}

Outcome delete_one_time_code(pg::Connection& conn, std::int64_t id) {
    if (conn.exec("DELETE FROM one_time_codes WHERE id = $1", {id}).affected() == 0)
        return Outcome::fail(Status::NotFound, "id: no one-time code " + std::to_string(id));
    return Outcome::success();
}

// One statement: the prune and the upsert commit together even outside a transaction.
void add_token_session(pg::Connection& conn, std::string_view session_id, std::int64_t device_id,
                       std::int64_t now, std::int64_t expire_before) {
    conn.exec(
        "WITH pruned AS (DELETE FROM token_sessions WHERE verified_at < $4 "
        "AND session_id <> $1) "
        "INSERT INTO token_sessions (session_id, device_id, verified_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (session_id) DO UPDATE SET device_id = excluded.device_id, "
        "verified_at = excluded.verified_at",
        {session_id, device_id, now, expire_before});
}

std::optional<std::int64_t> token_session_device(pg::Connection& conn,
                                                 std::string_view session_id) {
    const auto r =
        conn.exec("SELECT device_id FROM token_sessions WHERE session_id = $1", {session_id});
    if (r.empty()) return std::nullopt;
    return r.int64(0, 0);
}

void drop_token_sessions(pg::Connection& conn, std::int64_t device_id) {
    conn.exec("DELETE FROM token_sessions WHERE device_id = $1", {device_id});
}

}  // namespace warden::store::pg_two_factor
