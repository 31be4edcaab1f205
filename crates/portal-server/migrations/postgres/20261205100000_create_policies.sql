-- Versions of the enrollment restrictions and compliance policy: the newest
-- is in force. Version 1 is the server's configuration at first start.
CREATE TABLE policies (
    version      integer PRIMARY KEY,
    -- PolicySettings as JSON.
    settings     text NOT NULL,
    changed_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    changed_at   timestamptz NOT NULL,
    -- How far judging every device against this version has gone.
    evaluated    bigint NOT NULL DEFAULT 0,
    devices      bigint NOT NULL DEFAULT 0,
    changed      bigint NOT NULL DEFAULT 0,
    evaluated_at timestamptz
);
