// Enrollment by fingerprint (schema/011_enrollment.sql): the listed CAs, the pending
// certificates (bounded) and the rejected ones. Every write is one or two statements;
// the caller's transaction makes them one change.
#include "daemon/store/sqlite_store_enroll.hpp"

#include "daemon/store/sqlite_handles.hpp"

namespace warden::store::sqlite_enroll {
namespace {

bool is_constraint(const SqliteError& e) {
    return (e.code & 0xff) == SQLITE_CONSTRAINT;
}

// The sighting columns pending_certs and rejected_certs share, in this order.
constexpr std::string_view kSightingColumns =
    "fingerprint, serial, common_name, subject, issuer, enroll_ca, not_after, address, "
    "peer_version, peer_platform";
constexpr int kSightingCount = 10;

CertSighting read_sighting(const Statement& s) {
    CertSighting c;
    c.fingerprint = s.text(0);
    c.serial = s.text(1);
    c.common_name = s.text(2);
    c.subject = s.text(3);
    c.issuer = s.text(4);
    c.enroll_ca = s.text(5);
    c.not_after = s.optional_int64(6);
    c.address = s.text(7);
    c.peer_version = s.text(8);
    c.peer_platform = s.text(9);
    return c;
}

void bind_sighting(Statement& s, const CertSighting& c) {
    s.bind(1, c.fingerprint).bind(2, c.serial).bind(3, c.common_name).bind(4, c.subject);
    s.bind(5, c.issuer).bind(6, c.enroll_ca).bind(7, c.not_after).bind(8, c.address);
    s.bind(9, c.peer_version).bind(10, c.peer_platform);
}

std::string select_from(std::string_view extra, std::string_view table) {
    return "SELECT " + std::string(kSightingColumns) + ", " + std::string(extra) + " FROM " +
           std::string(table) + " ";
}

PendingCert read_pending(const Statement& s) {
    PendingCert p;
    p.cert = read_sighting(s);
    p.state = model::parse_pending_state(s.text(kSightingCount)).value_or(PendingState::Pending);
    p.first_seen = s.int64(kSightingCount + 1);
    p.last_seen = s.int64(kSightingCount + 2);
    p.attempts = s.int64(kSightingCount + 3);
    return p;
}

constexpr std::string_view kPendingExtra = "state, first_seen, last_seen, attempts";
constexpr std::string_view kRejectedExtra = "rejected_at, rejected_by, attempts, last_seen";

void drop_oldest_pending(sqlite3* db, std::size_t max_pending) {
    Statement s(db,
                "DELETE FROM pending_certs WHERE fingerprint IN (SELECT fingerprint FROM "
                "pending_certs ORDER BY first_seen DESC, rowid DESC LIMIT -1 OFFSET ?1)");
    s.bind(1, static_cast<std::int64_t>(max_pending));
    s.run();
}

}  // namespace

Outcome add_ca(sqlite3* db, const EnrollCa& ca) {
    Statement s(db,
                "INSERT INTO enroll_cas (name, subject, fingerprint, not_after, cert_pem, "
                "added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, ca.name).bind(2, ca.subject).bind(3, ca.fingerprint).bind(4, ca.not_after);
    s.bind(5, ca.cert_pem).bind(6, ca.added_at);
    try {
        s.run();
    } catch (const SqliteError& e) {
        if (!is_constraint(e)) throw;
        return Outcome::fail(Status::Duplicate,
                             "enrollment CA already listed (same name or "
                             "same certificate)");
    }
    return Outcome::success();
}

std::vector<EnrollCa> cas(sqlite3* db) {
    Statement s(db,
                "SELECT name, subject, fingerprint, not_after, cert_pem, added_at FROM "
                "enroll_cas ORDER BY name");
    std::vector<EnrollCa> out;
    while (s.step()) {
        EnrollCa& ca = out.emplace_back();
        ca.name = s.text(0);
        ca.subject = s.text(1);
        ca.fingerprint = s.text(2);
        ca.not_after = s.int64(3);
        ca.cert_pem = s.text(4);
        ca.added_at = s.int64(5);
    }
    return out;
}

Outcome delete_ca(sqlite3* db, std::string_view name) {
    Statement s(db, "DELETE FROM enroll_cas WHERE name = ?1");
    s.bind(1, name);
    s.run();
    if (sqlite3_changes(db) == 0) return Outcome::fail(Status::NotFound, "enrollment CA not found");
    Statement pending(db, "DELETE FROM pending_certs WHERE enroll_ca = ?1");
    pending.bind(1, name);
    pending.run();
    return Outcome::success();
}

bool note_pending(sqlite3* db, const CertSighting& cert, PendingState state, std::int64_t now,
                  std::size_t max_pending) {
    Statement update(db,
                     "UPDATE pending_certs SET last_seen = ?2, address = ?3, peer_version = ?4, "
                     "peer_platform = ?5, state = ?6, not_after = IFNULL(?7, not_after), "
                     "attempts = attempts + 1 WHERE fingerprint = ?1");
    update.bind(1, cert.fingerprint).bind(2, now).bind(3, cert.address).bind(4, cert.peer_version);
    update.bind(5, cert.peer_platform).bind(6, to_string(state)).bind(7, cert.not_after);
    update.run();
    if (sqlite3_changes(db) > 0) return false;
    Statement insert(db, "INSERT INTO pending_certs (" + std::string(kSightingColumns) +
                             ", state, first_seen, last_seen, attempts) VALUES (?1, ?2, ?3, ?4, "
                             "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, 1)");
    bind_sighting(insert, cert);
    insert.bind(11, to_string(state)).bind(12, now);
    insert.run();
    drop_oldest_pending(db, max_pending);
    return true;
}

std::vector<PendingCert> pending(sqlite3* db) {
    Statement s(db, select_from(kPendingExtra, "pending_certs") + "ORDER BY first_seen, rowid");
    std::vector<PendingCert> out;
    while (s.step()) out.push_back(read_pending(s));
    return out;
}

std::optional<PendingCert> find_pending(sqlite3* db, std::string_view fingerprint) {
    Statement s(db, select_from(kPendingExtra, "pending_certs") + "WHERE fingerprint = ?1");
    s.bind(1, fingerprint);
    if (!s.step()) return std::nullopt;
    return read_pending(s);
}

bool delete_pending(sqlite3* db, std::string_view fingerprint) {
    Statement s(db, "DELETE FROM pending_certs WHERE fingerprint = ?1");
    s.bind(1, fingerprint);
    s.run();
    return sqlite3_changes(db) > 0;
}

Outcome reject(sqlite3* db, const RejectedCert& r) {
    Statement s(db, "INSERT INTO rejected_certs (" + std::string(kSightingColumns) +
                        ", rejected_at, rejected_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                        "?10, ?11, ?12)");
    bind_sighting(s, r.cert);
    s.bind(11, r.rejected_at).bind(12, r.rejected_by);
    try {
        s.run();
    } catch (const SqliteError& e) {
        if (!is_constraint(e)) throw;
        return Outcome::fail(Status::Duplicate, "fingerprint already rejected");
    }
    delete_pending(db, r.cert.fingerprint);
    return Outcome::success();
}

std::vector<RejectedCert> rejected(sqlite3* db) {
    Statement s(db, select_from(kRejectedExtra, "rejected_certs") + "ORDER BY rejected_at, rowid");
    std::vector<RejectedCert> out;
    while (s.step()) {
        RejectedCert& r = out.emplace_back();
        r.cert = read_sighting(s);
        r.rejected_at = s.int64(kSightingCount);
        r.rejected_by = s.text(kSightingCount + 1);
        r.attempts = s.int64(kSightingCount + 2);
        r.last_seen = s.optional_int64(kSightingCount + 3);
    }
    return out;
}

void note_rejected_attempt(sqlite3* db, std::string_view fingerprint, std::int64_t now) {
    Statement s(db,
                "UPDATE rejected_certs SET attempts = attempts + 1, last_seen = ?2 "
                "WHERE fingerprint = ?1");
    s.bind(1, fingerprint).bind(2, now);
    s.run();
}

std::size_t clear_rejected(sqlite3* db, std::optional<std::string_view> fingerprint) {
    Statement s(db, fingerprint ? "DELETE FROM rejected_certs WHERE fingerprint = ?1"
                                : "DELETE FROM rejected_certs");
    if (fingerprint) s.bind(1, *fingerprint);
    s.run();
    return static_cast<std::size_t>(sqlite3_changes(db));
}

std::size_t unbind_enrolled(sqlite3* db, std::int64_t device_id) {
    Statement s(db,
                "DELETE FROM certificates WHERE device_id = ?1 AND enroll_ca IS NOT NULL "
                "AND revoked_at IS NULL");
    s.bind(1, device_id);
    s.run();
    return static_cast<std::size_t>(sqlite3_changes(db));
}

}  // namespace warden::store::sqlite_enroll
