-- warden schema 3: licenses (seats with an optional expiry) and traffic per device per month.

-- `used` is kept by the triggers on license_seats below, so a seat check is one row read
-- even with 100 000 devices; the CHECK makes "no free seat" a constraint the database
-- enforces, whoever writes.
CREATE TABLE licenses (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    seats            INTEGER NOT NULL CHECK (seats >= 0),
    used             INTEGER NOT NULL DEFAULT 0,
    expires_at       INTEGER,                     -- unix seconds; NULL: never expires
    expiry_noted_at  INTEGER,                     -- when wardend ended its devices' sessions
    created_at       INTEGER NOT NULL,
    CHECK (used <= seats)
);

-- A device's seat. No row, or license_id NULL (unassigned since `since`): no license.
CREATE TABLE license_seats (
    device_id   INTEGER PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    license_id  INTEGER REFERENCES licenses (id),
    since       INTEGER NOT NULL
);
CREATE INDEX license_seats_by_license ON license_seats (license_id);

CREATE TRIGGER license_seat_taken AFTER INSERT ON license_seats
WHEN NEW.license_id IS NOT NULL
BEGIN
    UPDATE licenses SET used = used + 1 WHERE id = NEW.license_id;
END;

CREATE TRIGGER license_seat_freed AFTER DELETE ON license_seats
WHEN OLD.license_id IS NOT NULL
BEGIN
    UPDATE licenses SET used = used - 1 WHERE id = OLD.license_id;
END;

CREATE TRIGGER license_seat_moved AFTER UPDATE OF license_id ON license_seats
BEGIN
    UPDATE licenses SET used = used - 1 WHERE id = OLD.license_id;
    UPDATE licenses SET used = used + 1 WHERE id = NEW.license_id;
END;

-- The license `default` exists from the start (`wardend init --seats N` sizes it) and every
-- device that exists already holds one of its seats, so upgrading changes no verdict.
INSERT INTO licenses (name, seats, created_at)
VALUES ('default', MAX(1000, (SELECT COUNT(*) FROM devices)), CAST(strftime('%s', 'now') AS INTEGER));
INSERT INTO license_seats (device_id, license_id, since)
SELECT id, (SELECT id FROM licenses WHERE name = 'default'), CAST(strftime('%s', 'now') AS INTEGER)
FROM devices;

-- A new device takes a seat of `default` while one is free, whichever path created it
-- (device add, copy, replace, bench seeding); `device add --license L` then moves it.
CREATE TRIGGER devices_take_default_seat AFTER INSERT ON devices
WHEN (SELECT used < seats FROM licenses WHERE name = 'default')
BEGIN
    INSERT INTO license_seats (device_id, license_id, since)
    SELECT NEW.id, id, NEW.created_at FROM licenses WHERE name = 'default';
END;

-- Bytes per device per UTC month (yyyymm), added when a session ends.
CREATE TABLE traffic_monthly (
    device_id       INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    month           INTEGER NOT NULL,
    bytes_received  INTEGER NOT NULL DEFAULT 0,
    bytes_sent      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (device_id, month)
) WITHOUT ROWID;

CREATE INDEX activity_log_by_object ON activity_log (object, at);
