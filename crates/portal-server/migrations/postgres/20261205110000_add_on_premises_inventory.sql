-- The on-premises manager's devices join the organisation's one list of
-- devices: a device may now come from the on-premises inventory alone
-- (managed_by 'on_premises'), with no portal user yet (user_id NULL,
-- primary_user its email, linked when that user appears), or from both
-- ('co_managed').
ALTER TABLE devices ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE devices ADD COLUMN managed_by text NOT NULL DEFAULT 'portal'
    CHECK (managed_by IN ('portal', 'on_premises', 'co_managed'));
-- The on-premises manager's id (ConfigMgr's SMS id), and what it last sent.
ALTER TABLE devices ADD COLUMN onprem_id text;
ALTER TABLE devices ADD COLUMN onprem_digest text;
-- Since when the on-premises inventory no longer holds the device.
ALTER TABLE devices ADD COLUMN onprem_stale_since timestamptz;
ALTER TABLE devices ADD COLUMN primary_user text;
ALTER TABLE devices ADD COLUMN manufacturer text;
ALTER TABLE devices ADD COLUMN domain text;

CREATE INDEX devices_managed_by ON devices (managed_by, id);
CREATE UNIQUE INDEX devices_onprem_id ON devices (onprem_id) WHERE onprem_id IS NOT NULL;
CREATE INDEX devices_serial_number ON devices (serial_number) WHERE serial_number IS NOT NULL;
CREATE INDEX devices_primary_user ON devices (primary_user) WHERE user_id IS NULL;

-- Tokens the on-premises manager sends its inventory with; only a hash is kept.
CREATE TABLE sync_tokens (
    token_hash   text PRIMARY KEY,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz
);
