-- Passkeys (WebAuthn credentials): what webauthn-rs keeps of each (public
-- key, signature counter, backup flags) as JSON, found at sign-in by its
-- credential id (base64url, unique across users).
CREATE TABLE passkeys (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id text NOT NULL UNIQUE,
    name          text NOT NULL,
    credential    text NOT NULL,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz
);
CREATE INDEX passkeys_user_id ON passkeys (user_id);

-- A registration or sign-in under way: its challenge and state, shared by
-- every node, used once, good for five minutes.
CREATE TABLE webauthn_ceremonies (
    id         uuid PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('registration', 'authentication')),
    user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    state      text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX webauthn_ceremonies_expires_at ON webauthn_ceremonies (expires_at);
