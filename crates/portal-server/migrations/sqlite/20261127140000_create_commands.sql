-- Remote actions queued for a device, with the time each step was reached.
-- A re-enrolled device gets a new id, so nothing queued before runs after.
CREATE TABLE commands (
    id              TEXT PRIMARY KEY NOT NULL,
    device_id       TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    state           TEXT NOT NULL,
    lock_message    TEXT,
    lock_phone      TEXT,
    idempotency_key TEXT,
    requested_at    TEXT NOT NULL,
    delivered_at    TEXT,
    acknowledged_at TEXT,
    finished_at     TEXT,
    expires_at      TEXT NOT NULL,
    failure_reason  TEXT,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX commands_device_id ON commands (device_id, requested_at);
