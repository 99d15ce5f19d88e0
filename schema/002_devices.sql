-- warden schema 2 (issue 3, devices): the key password that encrypts a pc's private key
-- in its exported profile. Needed in clear at every export (the key is re-encrypted with
-- it), so it is stored like the private keys themselves: only in this 0600 database.
-- Empty: no key password.
ALTER TABLE devices ADD COLUMN key_password TEXT NOT NULL DEFAULT '';
