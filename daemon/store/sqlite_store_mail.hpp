// SQLite side of the mail queue Store methods (schema/008_mail.sql). SqliteStore forwards
// to these so the queue's SQL lives in one file of its own. Every write is one statement.
#pragma once

#include <sqlite3.h>

#include "daemon/store/store.hpp"

namespace warden::store::sqlite_mail {

void enqueue(sqlite3* db, QueuedMail& mail);
std::vector<QueuedMail> due(sqlite3* db, std::int64_t now, std::size_t limit);
std::optional<std::int64_t> next_attempt(sqlite3* db);
void mark_sent(sqlite3* db, std::int64_t id, std::int64_t now);
void mark_retry(sqlite3* db, std::int64_t id, std::int64_t next_attempt_at, std::string_view error);
void mark_failed(sqlite3* db, std::int64_t id, std::string_view error);
std::vector<QueuedMail> list(sqlite3* db, std::optional<MailState> state);
std::size_t retry_failed(sqlite3* db, std::optional<std::int64_t> id, std::int64_t now);

}  // namespace warden::store::sqlite_mail
