-- Passkeys (WebAuthn credentials): what webauthn-rs keeps of each (public
-- key, signature counter, backup flags) as JSON, found at sign-in by its
-- credential id (base64url, unique across users).
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    credential    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT
);
CREATE INDEX passkeys_user_id ON passkeys (user_id);

-- A registration or sign-in under way: its challenge and state, shared by
-- every node, used once, good for five minutes.
CREATE TABLE webauthn_ceremonies (
    id         TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('registration', 'authentication')),
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX webauthn_ceremonies_expires_at ON webauthn_ceremonies (expires_at);
