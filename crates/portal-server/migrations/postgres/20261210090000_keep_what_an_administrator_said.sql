-- What the actor gave with an action: an administrator's reason for a
-- Retire or Reset device. Kept in the log, it outlives the device and its
-- commands, so the owner's Activity still says why. Entries written before
-- have none: the log is append-only.
ALTER TABLE audit_events ADD COLUMN detail TEXT;
