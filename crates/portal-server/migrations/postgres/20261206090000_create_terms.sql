-- Versions of the terms and conditions an employee accepts before enrolling
-- a device: the newest is in force.
CREATE TABLE terms (
    version      integer PRIMARY KEY,
    -- As the administrator wrote it: plain text or the Markdown subset.
    body         text NOT NULL,
    published_by uuid REFERENCES users (id) ON DELETE SET NULL,
    published_at timestamptz NOT NULL
);

-- Who accepted which version, and when.
CREATE TABLE terms_acceptances (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version     integer NOT NULL REFERENCES terms (version),
    accepted_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, version)
);
CREATE INDEX terms_acceptances_by_version ON terms_acceptances (version);
