CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('employee', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- Only a hash of the session token is kept: a copy of the database signs no one in.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    platform      TEXT NOT NULL,
    model         TEXT NOT NULL,
    os_version    TEXT NOT NULL,
    ownership     TEXT NOT NULL CHECK (ownership IN ('corporate', 'personal')),
    compliance    TEXT NOT NULL CHECK (compliance IN ('can_access', 'out_of_compliance', 'cannot_access')),
    enrolled_at   TEXT NOT NULL,
    last_check_in TEXT
);
CREATE INDEX devices_user_id ON devices (user_id);

CREATE TABLE audit_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    actor_id TEXT,
    action   TEXT NOT NULL,
    subject  TEXT,
    source   TEXT,
    outcome  TEXT NOT NULL
);

-- The audit log is append-only.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
