-- warden schema 6: routers' accessible networks are read on every client connect
-- (iroute and pushed routes); only routers have one, so a partial index keeps it cheap.
CREATE INDEX devices_routed ON devices (id) WHERE network != '';
