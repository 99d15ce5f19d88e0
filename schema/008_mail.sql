-- warden schema 8: the outgoing mail queue (issue 10). A message is stored here before
-- anything is sent, so a restart or a mail server that is down loses nothing; the mail
-- worker sends due rows and records each attempt.
CREATE TABLE mail_queue (
    id               INTEGER PRIMARY KEY,
    created_at       INTEGER NOT NULL,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    kind             TEXT NOT NULL,              -- "test", "token", "alert", ...
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sent', 'failed')),
    sent_at          INTEGER
);
CREATE INDEX mail_queue_due ON mail_queue (state, next_attempt_at);
