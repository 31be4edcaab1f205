-- The on-premises manager's devices join the organisation's one list of
-- devices: a device may now come from the on-premises inventory alone
-- (managed_by 'on_premises'), with no portal user yet (user_id NULL,
-- primary_user its email, linked when that user appears), or from both
-- ('co_managed'). SQLite cannot drop a NOT NULL: the table is rebuilt, with
-- its rowids (the search index's keys), indexes and triggers. Migrations run
-- with foreign keys off, so dropping the old table deletes nothing that
-- refers to it; the tables that do refer to it by name refer to the new one.

CREATE TABLE devices_rebuilt (
    id                 TEXT PRIMARY KEY NOT NULL,
    user_id            TEXT REFERENCES users (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    platform           TEXT NOT NULL,
    model              TEXT NOT NULL,
    os_version         TEXT NOT NULL,
    ownership          TEXT NOT NULL CHECK (ownership IN ('corporate', 'personal')),
    compliance         TEXT NOT NULL CHECK (compliance IN ('can_access', 'out_of_compliance', 'cannot_access')),
    enrolled_at        TEXT NOT NULL,
    last_check_in      TEXT,
    category           TEXT NOT NULL DEFAULT '',
    encrypted          INTEGER,
    passcode_set       INTEGER,
    jailbroken         INTEGER,
    free_storage_mb    INTEGER,
    compliance_reasons TEXT NOT NULL DEFAULT '[]',
    failing_since      TEXT,
    wiped_at           TEXT,
    serial_number      TEXT,
    managed_by         TEXT NOT NULL DEFAULT 'portal' CHECK (managed_by IN ('portal', 'on_premises', 'co_managed')),
    -- The on-premises manager's id (ConfigMgr's SMS id), and what it last sent.
    onprem_id          TEXT,
    onprem_digest      TEXT,
    -- Since when the on-premises inventory no longer holds the device.
    onprem_stale_since TEXT,
    primary_user       TEXT,
    manufacturer       TEXT,
    domain             TEXT
);
INSERT INTO devices_rebuilt (rowid, id, user_id, name, platform, model, os_version, ownership, compliance,
                             enrolled_at, last_check_in, category, encrypted, passcode_set, jailbroken,
                             free_storage_mb, compliance_reasons, failing_since, wiped_at, serial_number)
SELECT rowid, id, user_id, name, platform, model, os_version, ownership, compliance,
       enrolled_at, last_check_in, category, encrypted, passcode_set, jailbroken,
       free_storage_mb, compliance_reasons, failing_since, wiped_at, serial_number
FROM devices;
DROP TABLE devices;
ALTER TABLE devices_rebuilt RENAME TO devices;

CREATE INDEX devices_user_id ON devices (user_id);
CREATE INDEX devices_name ON devices (lower(name), id);
CREATE INDEX devices_last_seen ON devices ((COALESCE(last_check_in, enrolled_at)), id);
CREATE INDEX devices_platform ON devices (platform, id);
CREATE INDEX devices_os_version ON devices (os_version, id);
CREATE INDEX devices_ownership ON devices (ownership, id);
CREATE INDEX devices_compliance ON devices (compliance, id);
CREATE INDEX devices_compliance_platform ON devices (compliance, platform, lower(name), id);
CREATE INDEX devices_managed_by ON devices (managed_by, id);
CREATE UNIQUE INDEX devices_onprem_id ON devices (onprem_id) WHERE onprem_id IS NOT NULL;
CREATE INDEX devices_serial_number ON devices (serial_number) WHERE serial_number IS NOT NULL;
CREATE INDEX devices_primary_user ON devices (primary_user) WHERE user_id IS NULL;

CREATE TRIGGER devices_search_insert AFTER INSERT ON devices BEGIN
    INSERT INTO devices_search (rowid, name, model, serial_number)
    VALUES (new.rowid, new.name, new.model, new.serial_number);
END;
CREATE TRIGGER devices_search_delete AFTER DELETE ON devices BEGIN
    INSERT INTO devices_search (devices_search, rowid, name, model, serial_number)
    VALUES ('delete', old.rowid, old.name, old.model, old.serial_number);
END;
CREATE TRIGGER devices_search_update AFTER UPDATE OF name, model, serial_number ON devices
WHEN old.name IS NOT new.name OR old.model IS NOT new.model OR old.serial_number IS NOT new.serial_number
BEGIN
    INSERT INTO devices_search (devices_search, rowid, name, model, serial_number)
    VALUES ('delete', old.rowid, old.name, old.model, old.serial_number);
    INSERT INTO devices_search (rowid, name, model, serial_number)
    VALUES (new.rowid, new.name, new.model, new.serial_number);
END;

-- Tokens the on-premises manager sends its inventory with; only a hash is kept.
CREATE TABLE sync_tokens (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);
