-- Versions of the terms and conditions an employee accepts before enrolling
-- a device: the newest is in force.
CREATE TABLE terms (
    version      INTEGER PRIMARY KEY NOT NULL,
    -- As the administrator wrote it: plain text or the Markdown subset.
    body         TEXT NOT NULL,
    published_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    published_at TEXT NOT NULL
);

-- Who accepted which version, and when.
CREATE TABLE terms_acceptances (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL REFERENCES terms (version),
    accepted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, version)
);
CREATE INDEX terms_acceptances_by_version ON terms_acceptances (version);
