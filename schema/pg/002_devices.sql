-- warden schema 2 (PostgreSQL dialect of schema/002_devices.sql): the key password that
-- encrypts a pc's private key in its exported profile. Stored like the private keys
-- themselves. Empty: no key password.
ALTER TABLE devices ADD COLUMN key_password text NOT NULL DEFAULT '';
