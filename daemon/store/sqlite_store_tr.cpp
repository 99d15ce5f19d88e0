// Time-restricted access (schema/009_time_restriction.sql): per-device settings with the
// current release, and the hashed tokens that release it. Each write is one statement,
// except put_settings, which also drops the tokens of the settings it replaces.
#include "daemon/store/sqlite_store_tr.hpp"

#include "daemon/store/sqlite_handles.hpp"

namespace warden::store::sqlite_tr {
namespace {

constexpr std::string_view kSettingsColumns =
    "SELECT device_id, mode, start_at, end_at, duration, released_until, release_noted, "
    "last_token_sent_at FROM device_tr ";

TrSettings read_settings(const Statement& s) {
    TrSettings t;
    t.device_id = s.int64(0);
    t.mode = model::parse_tr_mode(s.text(1)).value_or(TrMode::Window);
    t.start = s.int64(2);
    t.end = s.int64(3);
    t.duration = s.int64(4);
    t.released_until = s.optional_int64(5);
    t.release_noted = s.int64(6) != 0;
    t.last_token_sent_at = s.optional_int64(7);
    return t;
}

constexpr std::string_view kTokenColumns =
    "SELECT id, token_hash, device_id, created_at, expires_at, used_at FROM tr_tokens ";

TrToken read_token(const Statement& s) {
    TrToken t;
    t.id = s.int64(0);
    t.token_hash = s.text(1);
    t.device_id = s.int64(2);
    t.created_at = s.int64(3);
    t.expires_at = s.int64(4);
    t.used_at = s.optional_int64(5);
    return t;
}

bool device_exists(sqlite3* db, std::int64_t device_id) {
    Statement s(db, "SELECT 1 FROM devices WHERE id = ?1");
    s.bind(1, device_id);
    return s.step();
}

}  // namespace

Outcome put_settings(sqlite3* db, const TrSettings& t) {
    if (!device_exists(db, t.device_id))
        return Outcome::fail(Status::NotFound, "device: no such device");
    // A new setting starts unreleased: a release and tokens were for the old window.
    Statement s(db,
                "INSERT INTO device_tr (device_id, mode, start_at, end_at, duration) "
                "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (device_id) DO UPDATE SET "
                "mode = excluded.mode, start_at = excluded.start_at, end_at = excluded.end_at, "
                "duration = excluded.duration, released_until = NULL, release_noted = 0, "
                "last_token_sent_at = NULL");
    s.bind(1, t.device_id).bind(2, to_string(t.mode)).bind(3, t.start).bind(4, t.end);
    s.bind(5, t.duration).run();
    Statement drop(db, "DELETE FROM tr_tokens WHERE device_id = ?1");
    drop.bind(1, t.device_id).run();
    return Outcome::success();
}

bool delete_settings(sqlite3* db, std::int64_t device_id) {
    Statement drop(db, "DELETE FROM tr_tokens WHERE device_id = ?1");
    drop.bind(1, device_id).run();
    Statement s(db, "DELETE FROM device_tr WHERE device_id = ?1");
    s.bind(1, device_id).run();
    return sqlite3_changes(db) > 0;
}

std::optional<TrSettings> settings(sqlite3* db, std::int64_t device_id) {
    Statement s(db, std::string(kSettingsColumns) + "WHERE device_id = ?1");
    s.bind(1, device_id);
    if (!s.step()) return std::nullopt;
    return read_settings(s);
}

std::vector<TrSettings> all_settings(sqlite3* db) {
    Statement s(db, std::string(kSettingsColumns) + "ORDER BY device_id");
    std::vector<TrSettings> out;
    while (s.step()) out.push_back(read_settings(s));
    return out;
}

void set_release(sqlite3* db, std::int64_t device_id, std::int64_t until) {
    Statement s(db,
                "UPDATE device_tr SET released_until = ?2, release_noted = 0 "
                "WHERE device_id = ?1");
    s.bind(1, device_id).bind(2, until).run();
}

void note_release_end(sqlite3* db, std::int64_t device_id) {
    Statement s(db, "UPDATE device_tr SET release_noted = 1 WHERE device_id = ?1");
    s.bind(1, device_id).run();
}

void set_token_sent(sqlite3* db, std::int64_t device_id, std::int64_t at) {
    Statement s(db, "UPDATE device_tr SET last_token_sent_at = ?2 WHERE device_id = ?1");
    s.bind(1, device_id).bind(2, at).run();
}

void add_token(sqlite3* db, TrToken& t) {
    Statement s(db,
                "INSERT INTO tr_tokens (token_hash, device_id, created_at, expires_at) "
                "VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, t.token_hash).bind(2, t.device_id).bind(3, t.created_at).bind(4, t.expires_at);
    s.run();
    t.id = sqlite3_last_insert_rowid(db);
    t.used_at.reset();
}

std::optional<TrToken> find_token(sqlite3* db, std::string_view token_hash) {
    Statement s(db, std::string(kTokenColumns) + "WHERE token_hash = ?1");
    s.bind(1, token_hash);
    if (!s.step()) return std::nullopt;
    return read_token(s);
}

bool use_token(sqlite3* db, std::int64_t id, std::int64_t now) {
    Statement s(db,
                "UPDATE tr_tokens SET used_at = ?2 "
                "WHERE id = ?1 AND used_at IS NULL AND expires_at > ?2");
    s.bind(1, id).bind(2, now).run();
    return sqlite3_changes(db) == 1;
}

std::vector<TrToken> tokens(sqlite3* db, std::int64_t device_id) {
    Statement s(db, std::string(kTokenColumns) + "WHERE device_id = ?1 ORDER BY id DESC");
    s.bind(1, device_id);
    std::vector<TrToken> out;
    while (s.step()) out.push_back(read_token(s));
    return out;
}

}  // namespace warden::store::sqlite_tr
