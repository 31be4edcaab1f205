-- The corporate app catalog. Apps are retired, never deleted: installs and
-- the audit log keep pointing at them.
CREATE TABLE apps (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    publisher   TEXT NOT NULL,
    version     TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    description TEXT NOT NULL,
    category    TEXT NOT NULL,
    featured    INTEGER NOT NULL DEFAULT 0,
    required    INTEGER NOT NULL DEFAULT 0,
    web_url     TEXT,
    icon_color  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    retired_at  TEXT
);
CREATE INDEX apps_name ON apps (name COLLATE NOCASE);

CREATE TABLE app_platforms (
    app_id   TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    platform TEXT NOT NULL,
    PRIMARY KEY (app_id, platform)
);
CREATE INDEX app_platforms_platform ON app_platforms (platform, app_id);

-- Where each managed app stands on each device: written with the install and
-- uninstall commands' changes, and from the inventory the device reports.
CREATE TABLE device_apps (
    device_id  TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    app_id     TEXT NOT NULL REFERENCES apps (id),
    state      TEXT NOT NULL,
    command_id TEXT,
    reason     TEXT,
    version    TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (device_id, app_id)
);

-- Install and Uninstall name the app, and the version asked for.
ALTER TABLE commands ADD COLUMN app_id TEXT REFERENCES apps (id);
ALTER TABLE commands ADD COLUMN app_name TEXT;
ALTER TABLE commands ADD COLUMN app_version TEXT;
