-- warden schema 6 (PostgreSQL dialect of schema/006_routing.sql): routers' accessible
-- networks are read on every client connect; only routers have one, so a partial index.
CREATE INDEX devices_routed ON devices (id) WHERE network != '';
