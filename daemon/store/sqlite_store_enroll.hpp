// SQLite side of the enrollment Store methods (schema/011_enrollment.sql). SqliteStore
// forwards to these so the feature's SQL lives in one file of its own.
#pragma once

#include <sqlite3.h>

#include "daemon/store/store.hpp"

namespace warden::store::sqlite_enroll {

Outcome add_ca(sqlite3* db, const EnrollCa& ca);
std::vector<EnrollCa> cas(sqlite3* db);
Outcome delete_ca(sqlite3* db, std::string_view name);
bool note_pending(sqlite3* db, const CertSighting& cert, PendingState state, std::int64_t now,
                  std::size_t max_pending);
std::vector<PendingCert> pending(sqlite3* db);
std::optional<PendingCert> find_pending(sqlite3* db, std::string_view fingerprint);
bool delete_pending(sqlite3* db, std::string_view fingerprint);
Outcome reject(sqlite3* db, const RejectedCert& rejected);
std::vector<RejectedCert> rejected(sqlite3* db);
void note_rejected_attempt(sqlite3* db, std::string_view fingerprint, std::int64_t now);
std::size_t clear_rejected(sqlite3* db, std::optional<std::string_view> fingerprint);
std::size_t unbind_enrolled(sqlite3* db, std::int64_t device_id);

}  // namespace warden::store::sqlite_enroll
