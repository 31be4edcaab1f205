-- Versions of the enrollment restrictions and compliance policy: the newest
-- is in force. Version 1 is the server's configuration at first start.
CREATE TABLE policies (
    version      INTEGER PRIMARY KEY NOT NULL,
    -- PolicySettings as JSON.
    settings     TEXT NOT NULL,
    changed_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    changed_at   TEXT NOT NULL,
    -- How far judging every device against this version has gone.
    evaluated    INTEGER NOT NULL DEFAULT 0,
    devices      INTEGER NOT NULL DEFAULT 0,
    changed      INTEGER NOT NULL DEFAULT 0,
    evaluated_at TEXT
);
