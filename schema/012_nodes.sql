-- warden schema 12: several nodes on one shared state (issue 14). With SQLite there is one
-- node and these tables stay empty; they exist so both backends have the same schema
-- versions (schema/pg/012_nodes.sql is where they are used).

-- What changed, in commit order: every node follows it to keep its memory, CRL, firewall
-- and routes in step with changes other nodes made.
CREATE TABLE changes (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    node    TEXT NOT NULL,   -- the writer's application_name ("wardend:<node>")
    object  TEXT NOT NULL    -- the table changed
);

-- The live sessions each node serves, as its wardend last published them.
CREATE TABLE node_sessions (
    node            TEXT NOT NULL,
    instance        TEXT NOT NULL,
    real_address    TEXT NOT NULL,
    common_name     TEXT NOT NULL,
    device_id       INTEGER,
    device_name     TEXT NOT NULL DEFAULT '',
    vpn_ip          TEXT NOT NULL DEFAULT '',
    since           INTEGER NOT NULL,
    bytes_received  INTEGER NOT NULL DEFAULT 0,
    bytes_sent      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (node, instance, real_address)
);

-- Sessions to end on another node (`session kill` where the device is not connected to
-- the node that got the command).
CREATE TABLE node_orders (
    id         INTEGER PRIMARY KEY,
    node       TEXT NOT NULL,
    device_id  INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    at         INTEGER NOT NULL
);

-- The nodes on this state: each wardend registers at start and keeps seen_at fresh.
-- address: where the other nodes route this node's devices (its address between nodes).
CREATE TABLE nodes (
    name        TEXT PRIMARY KEY,
    address     TEXT NOT NULL DEFAULT '',
    started_at  INTEGER NOT NULL,
    seen_at     INTEGER NOT NULL
);

-- SHA-256 of the files every node must share (the CA, the auth-gen-token key, tls-crypt),
-- as the first node found them: a node with a different copy refuses to start.
CREATE TABLE node_pki (
    file    TEXT PRIMARY KEY,
    sha256  TEXT NOT NULL,
    node    TEXT NOT NULL
);
