-- warden schema 5: communication rules between groups (SPEC §7).
-- A rule allows new connections from devices of from_group to devices of to_group (and
-- back with both = 1); from_group = to_group allows traffic inside one group. Groups that
-- rules name cannot be deleted (the daemon refuses first, with a message).
CREATE TABLE rules (
    id          INTEGER PRIMARY KEY,
    from_group  INTEGER NOT NULL REFERENCES groups (id),
    to_group    INTEGER NOT NULL REFERENCES groups (id),
    both_ways   INTEGER NOT NULL DEFAULT 0,
    proto       TEXT NOT NULL DEFAULT '' CHECK (proto IN ('', 'tcp', 'udp', 'icmp')),  -- '' = any
    ports       TEXT NOT NULL DEFAULT '',   -- canonical "80,443,1000-2000"; '' = any
    created_at  INTEGER NOT NULL
);
CREATE INDEX rules_by_from ON rules (from_group);
CREATE INDEX rules_by_to ON rules (to_group);
CREATE INDEX devices_by_group ON devices (group_id);
