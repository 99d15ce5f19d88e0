// The outgoing mail queue (schema/008_mail.sql). Rows are only ever changed by one
// statement each, so the worker (own connection) and the commands never see half a change.
#include "daemon/store/sqlite_store_mail.hpp"

#include "daemon/store/sqlite_handles.hpp"

namespace warden::store::sqlite_mail {
namespace {

constexpr std::string_view kColumns =
    "SELECT id, created_at, recipient, subject, body, kind, attempts, next_attempt_at, "
    "last_error, state, sent_at FROM mail_queue ";

QueuedMail read_row(const Statement& s) {
    QueuedMail m;
    m.id = s.int64(0);
    m.created_at = s.int64(1);
    m.recipient = s.text(2);
    m.subject = s.text(3);
    m.body = s.text(4);
    m.kind = s.text(5);
    m.attempts = static_cast<int>(s.int64(6));
    m.next_attempt_at = s.int64(7);
    m.last_error = s.text(8);
    m.state = parse_mail_state(s.text(9)).value_or(MailState::failed);
    m.sent_at = s.optional_int64(10);
    return m;
}

std::vector<QueuedMail> read_all(Statement& s) {
    std::vector<QueuedMail> out;
    while (s.step()) out.push_back(read_row(s));
    return out;
}

}  // namespace

void enqueue(sqlite3* db, QueuedMail& m) {
    Statement s(db,
                "INSERT INTO mail_queue (created_at, recipient, subject, body, kind, "
                "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, m.created_at).bind(2, m.recipient).bind(3, m.subject).bind(4, m.body);
    s.bind(5, m.kind).bind(6, m.next_attempt_at).run();
    m.id = sqlite3_last_insert_rowid(db);
    m.state = MailState::pending;
    m.attempts = 0;
}

std::vector<QueuedMail> due(sqlite3* db, std::int64_t now, std::size_t limit) {
    Statement s(db, std::string(kColumns) +
                        "WHERE state = 'pending' AND next_attempt_at <= ?1 "
                        "ORDER BY next_attempt_at, id LIMIT ?2");
    s.bind(1, now).bind(2, static_cast<std::int64_t>(limit));
    return read_all(s);
}

std::optional<std::int64_t> next_attempt(sqlite3* db) {
    Statement s(db, "SELECT MIN(next_attempt_at) FROM mail_queue WHERE state = 'pending'");
    if (!s.step()) return std::nullopt;
    return s.optional_int64(0);
}

void mark_sent(sqlite3* db, std::int64_t id, std::int64_t now) {
    Statement s(db,
                "UPDATE mail_queue SET state = 'sent', sent_at = ?2, attempts = attempts + 1, "
                "last_error = '' WHERE id = ?1");
    s.bind(1, id).bind(2, now).run();
}

void mark_retry(sqlite3* db, std::int64_t id, std::int64_t next_attempt_at,
                std::string_view error) {
    Statement s(db,
                "UPDATE mail_queue SET next_attempt_at = ?2, last_error = ?3, "
                "attempts = attempts + 1 WHERE id = ?1");
    s.bind(1, id).bind(2, next_attempt_at).bind(3, error).run();
}

void mark_failed(sqlite3* db, std::int64_t id, std::string_view error) {
    Statement s(db,
                "UPDATE mail_queue SET state = 'failed', last_error = ?2, "
                "attempts = attempts + 1 WHERE id = ?1");
    s.bind(1, id).bind(2, error).run();
}

std::vector<QueuedMail> list(sqlite3* db, std::optional<MailState> state) {
    Statement s(db, std::string(kColumns) + "WHERE ?1 IS NULL OR state = ?1 ORDER BY id");
    if (state)
        s.bind(1, to_string(*state));
    else
        s.bind_null(1);
    return read_all(s);
}

std::size_t retry_failed(sqlite3* db, std::optional<std::int64_t> id, std::int64_t now) {
    Statement s(db,
                "UPDATE mail_queue SET state = 'pending', next_attempt_at = ?2 "
                "WHERE state = 'failed' AND (?1 IS NULL OR id = ?1)");
    s.bind(1, id).bind(2, now).run();
    return static_cast<std::size_t>(sqlite3_changes(db));
}

}  // namespace warden::store::sqlite_mail
