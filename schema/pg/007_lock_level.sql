-- warden schema 7 (PostgreSQL dialect of schema/007_lock_level.sql): escalating lockout.
-- Each lock after the first doubles the lock time (capped); a successful login or an
-- admin unlock resets the level to 0.
ALTER TABLE device_login ADD COLUMN lock_level bigint NOT NULL DEFAULT 0;
