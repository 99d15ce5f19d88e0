-- warden schema 9: time-restricted (TR) access (issue 10, SPEC §4). A device with a row in
-- device_tr connects only while released; a release comes from confirming a token that
-- was mailed to the device's address. Deleting the device deletes both (FK cascade).
CREATE TABLE device_tr (
    device_id           INTEGER PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    mode                TEXT NOT NULL CHECK (mode IN ('window', 'duration')),
    start_at            INTEGER NOT NULL,        -- window / activation window, Unix seconds
    end_at              INTEGER NOT NULL,        -- first second outside it
    duration            INTEGER NOT NULL DEFAULT 0,  -- duration mode: seconds per release
    released_until      INTEGER,                 -- NULL: never released (since the last set)
    release_noted       INTEGER NOT NULL DEFAULT 0,  -- 1: the release's end was handled
    last_token_sent_at  INTEGER                  -- NULL: no token mailed yet
);

-- Tokens are stored as SHA-256 (lowercase hex) only: the database never holds one that
-- could be confirmed.
CREATE TABLE tr_tokens (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    device_id   INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX tr_tokens_by_device ON tr_tokens (device_id);
