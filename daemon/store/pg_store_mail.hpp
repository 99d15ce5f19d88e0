// PostgreSQL side of the mail queue Store methods (schema/pg, table of 008). Each is the
// Store method of the same name with the connection first; PgStore forwards to these.
#pragma once

#include "daemon/store/pg_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store::pg_mail {

void enqueue_mail(pg::Connection& conn, QueuedMail& mail);
std::vector<QueuedMail> due_mail(pg::Connection& conn, std::int64_t now, std::size_t limit);
std::optional<std::int64_t> next_mail_attempt(pg::Connection& conn);
void mark_mail_sent(pg::Connection& conn, std::int64_t id, std::int64_t now);
void mark_mail_retry(pg::Connection& conn, std::int64_t id, std::int64_t next_attempt_at,
                     std::string_view error);
void mark_mail_failed(pg::Connection& conn, std::int64_t id, std::string_view error);
std::vector<QueuedMail> list_mail(pg::Connection& conn, std::optional<MailState> state);
std::size_t retry_failed_mail(pg::Connection& conn, std::optional<std::int64_t> id,
                              std::int64_t now);

}  // namespace warden::store::pg_mail
