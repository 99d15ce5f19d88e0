-- warden schema 10: availability alerts (issue 10, SPEC §8). A row says: the offline
-- alert for this device's outage that began at offline_since was sent (at alerted_at),
-- and the recovery alert is still to come. Kept across restarts so that the recovery
-- mail still follows an offline mail sent before wardend restarted.
CREATE TABLE offline_alerts (
    device_id      INTEGER PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    offline_since  INTEGER NOT NULL,
    alerted_at     INTEGER NOT NULL
);
