-- What every node of the portal must agree on, kept in the database rather
-- than in one process's memory.

-- Attempts counted against a limit (failed sign-ins, resets), kept while
-- they are inside the limit's window.
CREATE TABLE limit_attempts (
    key TEXT NOT NULL,
    at  TEXT NOT NULL
);
CREATE INDEX limit_attempts_key_at ON limit_attempts (key, at);

-- Each device's newest command stream: an older one still open (a
-- connection the device already gave up on, on any node) must not take commands.
CREATE TABLE command_streams (
    device_id TEXT PRIMARY KEY NOT NULL,
    number    INTEGER NOT NULL
);

-- Facts the nodes check against each other at start-up (the device CA's
-- fingerprint, a check value of the secret key).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
