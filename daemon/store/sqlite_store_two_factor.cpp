// Two-factor tables (schema/004_two_factor.sql). Every write is one statement, so each is
// atomic on its own; the replay guard and the one-time-code use are conditional updates
// that report whether they changed a row.
#include "daemon/store/sqlite_store_two_factor.hpp"

#include "daemon/store/sqlite_handles.hpp"

namespace warden::store::sqlite_two_factor {

HotStatements::HotStatements(sqlite3* db)
    : requirements_(db,
                    "SELECT COALESCE(t.enforced, 0), COALESCE(l.password_hash, '') <> '', "
                    "g.require_totp FROM devices d JOIN groups g ON g.id = d.group_id "
                    "LEFT JOIN device_totp t ON t.device_id = d.id "
                    "LEFT JOIN device_login l ON l.device_id = d.id WHERE d.id = ?1") {}

LoginRequirements HotStatements::login_requirements(std::int64_t device_id) {
    LoginRequirements out;
    requirements_.bind(1, device_id);
    try {
        if (requirements_.step()) {
            out.totp_enforced = requirements_.int64(0) != 0;
            out.password = requirements_.int64(1) != 0;
            out.group_requires_totp = requirements_.int64(2) != 0;
        }
    } catch (...) {
        requirements_.reset();
        throw;
    }
    requirements_.reset();
    return out;
}

// Only devices with a TOTP row, a password or a group requiring TOTP: the rest need
// nothing and are not listed.
std::vector<std::pair<std::int64_t, LoginRequirements>> all_login_requirements(sqlite3* db) {
    Statement s(db,
                "SELECT d.id, COALESCE(t.enforced, 0), COALESCE(l.password_hash, '') <> '', "
                "g.require_totp FROM devices d JOIN groups g ON g.id = d.group_id "
                "LEFT JOIN device_totp t ON t.device_id = d.id "
                "LEFT JOIN device_login l ON l.device_id = d.id "
                "WHERE t.enforced OR l.password_hash <> '' OR g.require_totp");
    std::vector<std::pair<std::int64_t, LoginRequirements>> out;
    while (s.step())
        out.push_back({s.int64(0), {s.int64(1) != 0, s.int64(2) != 0, s.int64(3) != 0}});
    return out;
}

std::optional<Totp> find_totp(sqlite3* db, std::int64_t device_id) {
    Statement s(db,
                "SELECT device_id, secret, confirmed_at, enforced, last_step, created_at "
                "FROM device_totp WHERE device_id = ?1");
    s.bind(1, device_id);
    if (!s.step()) return std::nullopt;
    Totp t;
    t.device_id = s.int64(0);
    t.secret = s.text(1);
    t.confirmed_at = s.optional_int64(2);
    t.enforced = s.int64(3) != 0;
    t.last_step = s.int64(4);
    t.created_at = s.int64(5);
    return t;
}

void put_totp(sqlite3* db, const Totp& t) {
    Statement s(db,
                "INSERT OR REPLACE INTO device_totp (device_id, secret, confirmed_at, enforced, "
                "last_step, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, t.device_id).bind(2, t.secret).bind(3, t.confirmed_at);
    s.bind(4, std::int64_t{t.enforced}).bind(5, t.last_step).bind(6, t.created_at).run();
}

bool delete_totp(sqlite3* db, std::int64_t device_id) {
    Statement s(db, "DELETE FROM device_totp WHERE device_id = ?1");
    s.bind(1, device_id).run();
    return sqlite3_changes(db) > 0;
}

bool advance_totp_step(sqlite3* db, std::int64_t device_id, std::int64_t step) {
    Statement s(db,
                "UPDATE device_totp SET last_step = ?2 WHERE device_id = ?1 AND last_step < ?2");
    s.bind(1, device_id).bind(2, step).run();
    return sqlite3_changes(db) == 1;
}

LoginState login_state(sqlite3* db, std::int64_t device_id) {
    Statement s(db,
                "SELECT password_hash, failures, locked_until, lock_level FROM device_login "
                "WHERE device_id = ?1");
    s.bind(1, device_id);
    LoginState out;
    if (!s.step()) return out;
    out.password_hash = s.text(0);
    out.failures = static_cast<int>(s.int64(1));
    out.locked_until = s.int64(2);
    out.lock_level = static_cast<int>(s.int64(3));
    return out;
}

void set_password_hash(sqlite3* db, std::int64_t device_id, std::string_view hash) {
    Statement s(db,
                "INSERT INTO device_login (device_id, password_hash) VALUES (?1, ?2) "
                "ON CONFLICT (device_id) DO UPDATE SET password_hash = excluded.password_hash");
    s.bind(1, device_id).bind(2, hash).run();
}

void set_login_failures(sqlite3* db, std::int64_t device_id, int failures,
                        std::int64_t locked_until, int lock_level) {
    Statement s(db,
                "INSERT INTO device_login (device_id, failures, locked_until, lock_level) "
                "VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT (device_id) DO UPDATE SET failures = excluded.failures, "
                "locked_until = excluded.locked_until, lock_level = excluded.lock_level");
    s.bind(1, device_id)
        .bind(2, std::int64_t{failures})
        .bind(3, locked_until)
        .bind(4, std::int64_t{lock_level})
        .run();
}

std::optional<bool> group_requires_totp(sqlite3* db, std::string_view group) {
    Statement s(db, "SELECT require_totp FROM groups WHERE name = ?1");
    s.bind(1, group);
    if (!s.step()) return std::nullopt;
    return s.int64(0) != 0;
}

Outcome set_group_requires_totp(sqlite3* db, std::string_view group, bool required) {
    Statement s(db, "UPDATE groups SET require_totp = ?2 WHERE name = ?1");
    s.bind(1, group).bind(2, std::int64_t{required}).run();
    if (sqlite3_changes(db) == 0)
        return Outcome::fail(Status::NotFound, "group: unknown group " + std::string(group));
    return Outcome::success();
}

void add_one_time_code(sqlite3* db, OneTimeCode& c) {
    Statement s(db,
                "INSERT INTO one_time_codes (device_id, code_hash, created_at, expires_at, "
                "used_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, c.device_id).bind(2, c.code_hash).bind(3, c.created_at).bind(4, c.expires_at);
    s.bind(5, c.used_at).run();
    c.id = sqlite3_last_insert_rowid(db);
}

std::vector<OneTimeCode> one_time_codes(sqlite3* db, std::optional<std::int64_t> device_id) {
    Statement s(db,
                "SELECT o.id, o.device_id, d.name, o.code_hash, o.created_at, o.expires_at, "
                "o.used_at FROM one_time_codes o JOIN devices d ON d.id = o.device_id "
                "WHERE ?1 IS NULL OR o.device_id = ?1 ORDER BY o.id DESC");
    s.bind(1, device_id);
    std::vector<OneTimeCode> out;
    while (s.step()) {
        OneTimeCode c;
        c.id = s.int64(0);
        c.device_id = s.int64(1);
        c.device_name = s.text(2);
        c.code_hash = s.text(3);
        c.created_at = s.int64(4);
        c.expires_at = s.int64(5);
        c.used_at = s.optional_int64(6);
        out.push_back(std::move(c));
    }
    return out;
}

bool use_one_time_code(sqlite3* db, std::int64_t id, std::int64_t now) {
    Statement s(db,
                "UPDATE one_time_codes SET used_at = ?2 "
                "WHERE id = ?1 AND used_at IS NULL AND expires_at > ?2");
    s.bind(1, id).bind(2, now).run();
    return sqlite3_changes(db) == 1;
}

Outcome delete_one_time_code(sqlite3* db, std::int64_t id) {
    Statement s(db, "DELETE FROM one_time_codes WHERE id = ?1");
    s.bind(1, id).run();
    if (sqlite3_changes(db) == 0)
        return Outcome::fail(Status::NotFound, "id: no one-time code " + std::to_string(id));
    return Outcome::success();
}

void add_token_session(sqlite3* db, std::string_view session_id, std::int64_t device_id,
                       std::int64_t now, std::int64_t expire_before) {
    Statement prune(db, "DELETE FROM token_sessions WHERE verified_at < ?1");
    prune.bind(1, expire_before).run();
    Statement s(db,
                "INSERT OR REPLACE INTO token_sessions (session_id, device_id, verified_at) "
                "VALUES (?1, ?2, ?3)");
    s.bind(1, session_id).bind(2, device_id).bind(3, now).run();
}

std::optional<std::int64_t> token_session_device(sqlite3* db, std::string_view session_id) {
    Statement s(db, "SELECT device_id FROM token_sessions WHERE session_id = ?1");
    s.bind(1, session_id);
    if (!s.step()) return std::nullopt;
    return s.int64(0);
}

void drop_token_sessions(sqlite3* db, std::int64_t device_id) {
    Statement s(db, "DELETE FROM token_sessions WHERE device_id = ?1");
    s.bind(1, device_id).run();
}

}  // namespace warden::store::sqlite_two_factor
