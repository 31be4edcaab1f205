-- A removed device leaves devices, not its owner's history: what was done to
-- it (an administrator's removal among them) stays in the
-- owner's Activity, which finds a user's entries through this table too.
CREATE TABLE former_devices (
    id      uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX former_devices_user_id ON former_devices (user_id);
CREATE FUNCTION devices_remember() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO former_devices (id, user_id) VALUES (old.id, old.user_id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER devices_remembered AFTER DELETE ON devices
    FOR EACH ROW WHEN (old.user_id IS NOT NULL) EXECUTE FUNCTION devices_remember();
-- Devices removed before: each one added through the portal has its owner
-- as the actor of its entry.
INSERT INTO former_devices (id, user_id)
SELECT DISTINCT CAST(subject AS uuid), actor_id FROM audit_events
WHERE action IN ('device_enrolled', 'device_registered') AND actor_id IS NOT NULL
  AND subject ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
  AND subject NOT IN (SELECT CAST(id AS text) FROM devices)
ON CONFLICT (id) DO NOTHING;
