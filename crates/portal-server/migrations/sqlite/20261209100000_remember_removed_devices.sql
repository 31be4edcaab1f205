-- A removed device leaves devices, not its owner's history: what was done to
-- it (an administrator's removal among them) stays in the
-- owner's Activity, which finds a user's entries through this table too.
CREATE TABLE former_devices (
    id      TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX former_devices_user_id ON former_devices (user_id);
CREATE TRIGGER devices_remembered AFTER DELETE ON devices WHEN old.user_id IS NOT NULL
BEGIN
    INSERT INTO former_devices (id, user_id) VALUES (old.id, old.user_id);
END;
-- Devices removed before: each one added through the portal has its owner
-- as the actor of its entry.
INSERT OR IGNORE INTO former_devices (id, user_id)
SELECT subject, actor_id FROM audit_events
WHERE action IN ('device_enrolled', 'device_registered') AND actor_id IS NOT NULL
  AND subject NOT IN (SELECT id FROM devices);
