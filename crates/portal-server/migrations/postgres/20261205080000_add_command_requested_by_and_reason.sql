-- A command an administrator asked for on somebody's device names them (as
-- they were called then) and why, for the owner's timeline.
ALTER TABLE commands ADD COLUMN requested_by text;
ALTER TABLE commands ADD COLUMN reason text;
