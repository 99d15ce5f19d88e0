// The outgoing mail queue on PostgreSQL, as sqlite_store_mail.cpp: every change is one
// statement, so the worker and the commands never see half a change.
#include "daemon/store/pg_store_mail.hpp"

namespace warden::store::pg_mail {
namespace {

constexpr std::string_view kColumns =
    "SELECT id, created_at, recipient, subject, body, kind, attempts, next_attempt_at, "
    "last_error, state, sent_at FROM mail_queue ";

std::vector<QueuedMail> read_all(const pg::Result& r) {
    std::vector<QueuedMail> out;
    for (int i = 0; i < r.rows(); ++i) {
        QueuedMail& m = out.emplace_back();
        m.id = r.int64(i, 0);
        m.created_at = r.int64(i, 1);
        m.recipient = r.text(i, 2);
        m.subject = r.text(i, 3);
        m.body = r.text(i, 4);
        m.kind = r.text(i, 5);
        m.attempts = static_cast<int>(r.int64(i, 6));
        m.next_attempt_at = r.int64(i, 7);
        m.last_error = r.text(i, 8);
        m.state = parse_mail_state(r.text(i, 9)).value_or(MailState::failed);
        m.sent_at = r.optional_int64(i, 10);
    }
    return out;
}

}  // namespace

void enqueue_mail(pg::Connection& conn, QueuedMail& m) {
    const auto r = conn.exec(
        "INSERT INTO mail_queue (created_at, recipient, subject, body, kind, next_attempt_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        {m.created_at, m.recipient, m.subject, m.body, m.kind, m.next_attempt_at});
    m.id = r.int64(0, 0);
    m.state = MailState::pending;
    m.attempts = 0;
}

std::vector<QueuedMail> due_mail(pg::Connection& conn, std::int64_t now, std::size_t limit) {
    return read_all(conn.exec(std::string(kColumns) +
                                  "WHERE state = 'pending' AND next_attempt_at <= $1 "
                                  "ORDER BY next_attempt_at, id LIMIT $2",
                              {now, limit}));
}

std::optional<std::int64_t> next_mail_attempt(pg::Connection& conn) {
    const auto r = conn.exec("SELECT MIN(next_attempt_at) FROM mail_queue WHERE state = 'pending'");
    if (r.empty()) return std::nullopt;
    return r.optional_int64(0, 0);
}

void mark_mail_sent(pg::Connection& conn, std::int64_t id, std::int64_t now) {
    conn.exec(
        "UPDATE mail_queue SET state = 'sent', sent_at = $2, attempts = attempts + 1, "
        "last_error = '' WHERE id = $1",
        {id, now});
}

void mark_mail_retry(pg::Connection& conn, std::int64_t id, std::int64_t next_attempt_at,
                     std::string_view error) {
    conn.exec(
        "UPDATE mail_queue SET next_attempt_at = $2, last_error = $3, "
        "attempts = attempts + 1 WHERE id = $1",
        {id, next_attempt_at, error});
}

void mark_mail_failed(pg::Connection& conn, std::int64_t id, std::string_view error) {
    conn.exec(
        "UPDATE mail_queue SET state = 'failed', last_error = $2, "
        "attempts = attempts + 1 WHERE id = $1",
        {id, error});
}

std::vector<QueuedMail> list_mail(pg::Connection& conn, std::optional<MailState> state) {
    const pg::Param filter = state ? pg::Param(to_string(*state)) : pg::Param(std::nullopt);
    return read_all(
        conn.exec(std::string(kColumns) + "WHERE $1::text IS NULL OR state = $1::text ORDER BY id",
                  {filter}));
}

std::size_t retry_failed_mail(pg::Connection& conn, std::optional<std::int64_t> id,
                              std::int64_t now) {
    const auto r = conn.exec(
        "UPDATE mail_queue SET state = 'pending', next_attempt_at = $2 "
        "WHERE state = 'failed' AND ($1::bigint IS NULL OR id = $1::bigint)",
        {id, now});
    return static_cast<std::size_t>(r.affected());
}

}  // namespace warden::store::pg_mail
