// Enrollment by fingerprint on PostgreSQL, as sqlite_store_enroll.cpp. Duplicates are
// found with ON CONFLICT DO NOTHING rather than a caught unique violation (an error would
// abort the caller's transaction), and a sighting is one upsert, so two nodes seeing a
// new certificate at once count two attempts on one row. The explicit `rowid` column
// (schema/pg/011) orders ties as SQLite's implicit rowid does.
#include "daemon/store/pg_store_enroll.hpp"

namespace warden::store::pg_enroll {
namespace {

// The sighting columns pending_certs and rejected_certs share, in this order.
constexpr std::string_view kSightingColumns =
    "fingerprint, serial, common_name, subject, issuer, enroll_ca, not_after, address, "
    "peer_version, peer_platform";
constexpr int kSightingCount = 10;

CertSighting read_sighting(const pg::Result& r, int row) {
    CertSighting c;
    c.fingerprint = r.text(row, 0);
    c.serial = r.text(row, 1);
    c.common_name = r.text(row, 2);
    c.subject = r.text(row, 3);
    c.issuer = r.text(row, 4);
    c.enroll_ca = r.text(row, 5);
    c.not_after = r.optional_int64(row, 6);
    c.address = r.text(row, 7);
    c.peer_version = r.text(row, 8);
    c.peer_platform = r.text(row, 9);
    return c;
}

std::string select_from(std::string_view extra, std::string_view table) {
    return "SELECT " + std::string(kSightingColumns) + ", " + std::string(extra) + " FROM " +
           std::string(table) + " ";
}

PendingCert read_pending(const pg::Result& r, int row) {
    PendingCert p;
    p.cert = read_sighting(r, row);
    p.state =
        model::parse_pending_state(r.text(row, kSightingCount)).value_or(PendingState::Pending);
    p.first_seen = r.int64(row, kSightingCount + 1);
    p.last_seen = r.int64(row, kSightingCount + 2);
    p.attempts = r.int64(row, kSightingCount + 3);
    return p;
}

constexpr std::string_view kPendingExtra = "state, first_seen, last_seen, attempts";
constexpr std::string_view kRejectedExtra = "rejected_at, rejected_by, attempts, last_seen";

void drop_oldest_pending(pg::Connection& conn, std::size_t max_pending) {
    conn.exec(
        "DELETE FROM pending_certs WHERE fingerprint IN (SELECT fingerprint FROM "
        "pending_certs ORDER BY first_seen DESC, rowid DESC OFFSET $1)",
        {max_pending});
}

}  // namespace

Outcome add_enroll_ca(pg::Connection& conn, const EnrollCa& ca) {
    const auto r = conn.exec(
        "INSERT INTO enroll_cas (name, subject, fingerprint, not_after, cert_pem, added_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        {ca.name, ca.subject, ca.fingerprint, ca.not_after, ca.cert_pem, ca.added_at});
    if (r.affected() == 0)
        return Outcome::fail(Status::Duplicate,
                             "enrollment CA already listed (same name or "
                             "same certificate)");
    return Outcome::success();
}

std::vector<EnrollCa> enroll_cas(pg::Connection& conn) {
    const auto r = conn.exec(
        "SELECT name, subject, fingerprint, not_after, cert_pem, added_at FROM enroll_cas "
        "ORDER BY name");
    std::vector<EnrollCa> out;
    for (int i = 0; i < r.rows(); ++i) {
        EnrollCa& ca = out.emplace_back();
        ca.name = r.text(i, 0);
        ca.subject = r.text(i, 1);
        ca.fingerprint = r.text(i, 2);
        ca.not_after = r.int64(i, 3);
        ca.cert_pem = r.text(i, 4);
        ca.added_at = r.int64(i, 5);
    }
    return out;
}

// One statement: the CA and its pending certificates go together.
Outcome delete_enroll_ca(pg::Connection& conn, std::string_view name) {
    const auto r = conn.exec(
        "WITH pending AS (DELETE FROM pending_certs WHERE enroll_ca = $1 "
        "AND EXISTS (SELECT 1 FROM enroll_cas WHERE name = $1)) "
        "DELETE FROM enroll_cas WHERE name = $1",
        {name});
    if (r.affected() == 0) return Outcome::fail(Status::NotFound, "enrollment CA not found");
    return Outcome::success();
}

bool note_pending(pg::Connection& conn, const CertSighting& cert, PendingState state,
                  std::int64_t now, std::size_t max_pending) {
    // xmax is 0 only in a row version this statement inserted (an updated row carries the
    // updating transaction's id): PostgreSQL's way to tell the two upsert outcomes apart.
    const auto r = conn.exec(
        "INSERT INTO pending_certs AS p (" + std::string(kSightingColumns) +
            ", state, first_seen, last_seen, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
            "$9, $10, $11, $12, $12, 1) ON CONFLICT (fingerprint) DO UPDATE SET "
            "last_seen = excluded.last_seen, address = excluded.address, "
            "peer_version = excluded.peer_version, peer_platform = excluded.peer_platform, "
            "state = excluded.state, not_after = COALESCE(excluded.not_after, p.not_after), "
            "attempts = p.attempts + 1 RETURNING (xmax = 0)",
        {cert.fingerprint, cert.serial, cert.common_name, cert.subject, cert.issuer, cert.enroll_ca,
         cert.not_after, cert.address, cert.peer_version, cert.peer_platform, to_string(state),
         now});
    const bool inserted = r.boolean(0, 0);
    if (inserted) drop_oldest_pending(conn, max_pending);
    return inserted;
}

std::vector<PendingCert> pending_certs(pg::Connection& conn) {
    const auto r =
        conn.exec(select_from(kPendingExtra, "pending_certs") + "ORDER BY first_seen, rowid");
    std::vector<PendingCert> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_pending(r, i));
    return out;
}

std::optional<PendingCert> find_pending(pg::Connection& conn, std::string_view fingerprint) {
    const auto r = conn.exec(select_from(kPendingExtra, "pending_certs") + "WHERE fingerprint = $1",
                             {fingerprint});
    if (r.empty()) return std::nullopt;
    return read_pending(r, 0);
}

bool delete_pending(pg::Connection& conn, std::string_view fingerprint) {
    return conn.exec("DELETE FROM pending_certs WHERE fingerprint = $1", {fingerprint}).affected() >
           0;
}

Outcome reject_cert(pg::Connection& conn, const RejectedCert& rejected) {
    const CertSighting& c = rejected.cert;
    const auto r = conn.exec(
        "INSERT INTO rejected_certs (" + std::string(kSightingColumns) +
            ", rejected_at, rejected_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
            "$12) ON CONFLICT (fingerprint) DO NOTHING",
        {c.fingerprint, c.serial, c.common_name, c.subject, c.issuer, c.enroll_ca, c.not_after,
         c.address, c.peer_version, c.peer_platform, rejected.rejected_at, rejected.rejected_by});
    if (r.affected() == 0) return Outcome::fail(Status::Duplicate, "fingerprint already rejected");
    delete_pending(conn, c.fingerprint);
    return Outcome::success();
}

std::vector<RejectedCert> rejected_certs(pg::Connection& conn) {
    const auto r =
        conn.exec(select_from(kRejectedExtra, "rejected_certs") + "ORDER BY rejected_at, rowid");
    std::vector<RejectedCert> out;
    for (int i = 0; i < r.rows(); ++i) {
        RejectedCert& rc = out.emplace_back();
        rc.cert = read_sighting(r, i);
        rc.rejected_at = r.int64(i, kSightingCount);
        rc.rejected_by = r.text(i, kSightingCount + 1);
        rc.attempts = r.int64(i, kSightingCount + 2);
        rc.last_seen = r.optional_int64(i, kSightingCount + 3);
    }
    return out;
}

void note_rejected_attempt(pg::Connection& conn, std::string_view fingerprint, std::int64_t now) {
    conn.exec(
        "UPDATE rejected_certs SET attempts = attempts + 1, last_seen = $2 "
        "WHERE fingerprint = $1",
        {fingerprint, now});
}

std::size_t clear_rejected(pg::Connection& conn, std::optional<std::string_view> fingerprint) {
    const auto r =
        fingerprint ? conn.exec("DELETE FROM rejected_certs WHERE fingerprint = $1", {*fingerprint})
                    : conn.exec("DELETE FROM rejected_certs");
    return static_cast<std::size_t>(r.affected());
}

std::size_t unbind_enrolled(pg::Connection& conn, std::int64_t device_id) {
    const auto r = conn.exec(
        "DELETE FROM certificates WHERE device_id = $1 AND enroll_ca IS NOT NULL "
        "AND revoked_at IS NULL",
        {device_id});
    return static_cast<std::size_t>(r.affected());
}

}  // namespace warden::store::pg_enroll
