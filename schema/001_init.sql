-- warden schema 1: groups, devices, certificates, activity and connection logs.
CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
INSERT INTO groups (name, created_at) VALUES ('default', CAST(strftime('%s', 'now') AS INTEGER));

CREATE TABLE devices (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    type           TEXT NOT NULL CHECK (type IN ('router', 'pc')),
    group_id       INTEGER NOT NULL REFERENCES groups (id),
    serial_number  TEXT NOT NULL DEFAULT '',
    device_code    TEXT NOT NULL DEFAULT '',
    vpn_ip         INTEGER NOT NULL UNIQUE,      -- IPv4 as host-order integer
    network        TEXT NOT NULL DEFAULT '',     -- routers: accessible network (CIDR)
    addressing     TEXT NOT NULL DEFAULT 'direct' CHECK (addressing IN ('direct', 'netmap')),
    local_network  TEXT NOT NULL DEFAULT '',
    monitor        INTEGER NOT NULL DEFAULT 0,
    email          TEXT NOT NULL DEFAULT '',
    active         INTEGER NOT NULL DEFAULT 1,
    state          TEXT NOT NULL DEFAULT 'offline',
    state_since    INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);

-- Certificates outlive their device (a deleted device's certificates stay revoked in the CRL).
CREATE TABLE certificates (
    serial       TEXT PRIMARY KEY,                -- normalized lowercase hex
    device_id    INTEGER REFERENCES devices (id) ON DELETE SET NULL,
    common_name  TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,                   -- SHA-256 of the DER, lowercase hex
    not_before   INTEGER NOT NULL,
    not_after    INTEGER NOT NULL,
    cert_pem     TEXT NOT NULL,
    key_pem      TEXT NOT NULL DEFAULT '',        -- wiped on revocation
    revoked_at   INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX certificates_by_device ON certificates (device_id);
CREATE INDEX certificates_revoked ON certificates (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE activity_log (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    object   TEXT NOT NULL DEFAULT '',
    details  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE connection_log (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    event           TEXT NOT NULL,                -- connect | disconnect | refused
    device_id       INTEGER,
    device_name     TEXT NOT NULL DEFAULT '',
    instance        TEXT NOT NULL DEFAULT '',
    real_address    TEXT NOT NULL DEFAULT '',
    vpn_ip          TEXT NOT NULL DEFAULT '',
    bytes_received  INTEGER NOT NULL DEFAULT 0,
    bytes_sent      INTEGER NOT NULL DEFAULT 0,
    duration        INTEGER NOT NULL DEFAULT 0,
    reason          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX connection_log_by_device ON connection_log (device_id, at);
