// PostgreSQL side of the enrollment Store methods (schema/pg, tables of 011). Each is the
// Store method of the same name with the connection first; PgStore forwards to these.
#pragma once

#include "daemon/store/pg_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store::pg_enroll {

Outcome add_enroll_ca(pg::Connection& conn, const EnrollCa& ca);
std::vector<EnrollCa> enroll_cas(pg::Connection& conn);
Outcome delete_enroll_ca(pg::Connection& conn, std::string_view name);
bool note_pending(pg::Connection& conn, const CertSighting& cert, PendingState state,
                  std::int64_t now, std::size_t max_pending);
std::vector<PendingCert> pending_certs(pg::Connection& conn);
std::optional<PendingCert> find_pending(pg::Connection& conn, std::string_view fingerprint);
bool delete_pending(pg::Connection& conn, std::string_view fingerprint);
Outcome reject_cert(pg::Connection& conn, const RejectedCert& rejected);
std::vector<RejectedCert> rejected_certs(pg::Connection& conn);
void note_rejected_attempt(pg::Connection& conn, std::string_view fingerprint, std::int64_t now);
std::size_t clear_rejected(pg::Connection& conn, std::optional<std::string_view> fingerprint);
std::size_t unbind_enrolled(pg::Connection& conn, std::int64_t device_id);

}  // namespace warden::store::pg_enroll
