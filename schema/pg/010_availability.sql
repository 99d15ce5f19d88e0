-- warden schema 10 (PostgreSQL dialect of schema/010_availability.sql): availability
-- alerts (issue 10, SPEC §8). A row says: the offline alert for this device's outage that
-- began at offline_since was sent (at alerted_at), and the recovery alert is still to come.
CREATE TABLE offline_alerts (
    device_id      bigint PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    offline_since  bigint NOT NULL,
    alerted_at     bigint NOT NULL
);
