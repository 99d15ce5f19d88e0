-- warden schema 4: two-factor authentication (SPEC §3): TOTP secrets, static passwords and
-- the brute-force lock, one-time access codes, and the auth-gen-token sessions whose
-- second factor the daemon checked (so a renegotiation with a token needs no new code).

-- "Require TOTP for pcs" per group.
ALTER TABLE groups ADD COLUMN require_totp INTEGER NOT NULL DEFAULT 0;

CREATE TABLE device_totp (
    device_id     INTEGER PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    secret        TEXT NOT NULL,              -- base32, as in the otpauth:// URI
    confirmed_at  INTEGER,                    -- NULL until `totp confirm` (and after a reset)
    enforced      INTEGER NOT NULL DEFAULT 0, -- set by the first confirm, kept by reset
    last_step     INTEGER NOT NULL DEFAULT 0, -- highest time step accepted (replay guard)
    created_at    INTEGER NOT NULL
);

CREATE TABLE device_login (
    device_id      INTEGER PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    password_hash  TEXT NOT NULL DEFAULT '',  -- crypt(3) string; '' = no static password
    failures       INTEGER NOT NULL DEFAULT 0, -- consecutive failed logins
    locked_until   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE one_time_codes (
    id          INTEGER PRIMARY KEY,
    device_id   INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,                -- SHA-256 of the code, lowercase hex
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX one_time_codes_by_device ON one_time_codes (device_id);

CREATE TABLE token_sessions (
    session_id   TEXT PRIMARY KEY,            -- OpenVPN's session_id (auth-gen-token)
    device_id    INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    verified_at  INTEGER NOT NULL
);
CREATE INDEX token_sessions_by_device ON token_sessions (device_id);
