-- warden schema 11: enrollment of devices that bring their own certificate (issue 11,
-- SPEC §5). Fingerprints are SHA-256 in openssl's "AB:01:..." form (95 characters).
CREATE TABLE enroll_cas (
    name         TEXT PRIMARY KEY,
    subject      TEXT NOT NULL,
    fingerprint  TEXT NOT NULL UNIQUE,
    not_after    INTEGER NOT NULL,
    cert_pem     TEXT NOT NULL,
    added_at     INTEGER NOT NULL
);

-- Certificates of a listed CA that no device is bound to, refused until an admin
-- decides. Bounded by [enroll] max_pending (the oldest first_seen goes first).
CREATE TABLE pending_certs (
    fingerprint    TEXT PRIMARY KEY,
    serial         TEXT NOT NULL,
    common_name    TEXT NOT NULL,
    subject        TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    enroll_ca      TEXT NOT NULL,
    not_after      INTEGER,                 -- NULL: unknown
    address        TEXT NOT NULL,
    peer_version   TEXT NOT NULL,
    peer_platform  TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'update-required')),
    first_seen     INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    attempts       INTEGER NOT NULL
);
CREATE INDEX pending_certs_by_first_seen ON pending_certs (first_seen);

-- Refused silently (no pending row, no log line), only counted.
CREATE TABLE rejected_certs (
    fingerprint    TEXT PRIMARY KEY,
    serial         TEXT NOT NULL,
    common_name    TEXT NOT NULL,
    subject        TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    enroll_ca      TEXT NOT NULL,
    not_after      INTEGER,
    address        TEXT NOT NULL,
    peer_version   TEXT NOT NULL,
    peer_platform  TEXT NOT NULL,
    rejected_at    INTEGER NOT NULL,
    rejected_by    TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_seen      INTEGER
);

-- An accepted certificate is an ordinary row of certificates (no PEM: warden never held
-- it) naming the enrollment CA it came from; NULL for warden's own certificates.
ALTER TABLE certificates ADD COLUMN enroll_ca TEXT;
