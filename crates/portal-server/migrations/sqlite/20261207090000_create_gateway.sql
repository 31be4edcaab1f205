-- Corporate web apps the gateway publishes, each with its access rule.
CREATE TABLE published_apps (
    name                           TEXT PRIMARY KEY NOT NULL,
    prefix                         TEXT NOT NULL UNIQUE,
    upstream                       TEXT NOT NULL,
    signed_in                      INTEGER NOT NULL,
    registered_device              INTEGER NOT NULL,
    compliant_device               INTEGER NOT NULL,
    second_factor                  INTEGER NOT NULL,
    device_counts_as_second_factor INTEGER NOT NULL,
    enforcement                    TEXT NOT NULL CHECK (enforcement IN ('off', 'audit', 'required')),
    updated_at                     TEXT NOT NULL
);

-- Whether the session began with a TOTP code or a passkey.
ALTER TABLE sessions ADD COLUMN second_factor INTEGER NOT NULL DEFAULT 0;

-- A signed-in portal session handing itself to the gateway: single use,
-- short-lived, only its hash kept. Ends with the session.
CREATE TABLE gateway_handoffs (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    session_hash TEXT NOT NULL REFERENCES sessions (token_hash) ON DELETE CASCADE ON UPDATE CASCADE,
    return_to    TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX gateway_handoffs_by_session ON gateway_handoffs (session_hash);

-- The gateway's own sessions, each one of a portal session: signing out of
-- the portal (or everywhere) ends them with it.
CREATE TABLE gateway_sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    session_hash TEXT NOT NULL REFERENCES sessions (token_hash) ON DELETE CASCADE ON UPDATE CASCADE,
    created_at   TEXT NOT NULL
);
CREATE INDEX gateway_sessions_by_session ON gateway_sessions (session_hash);

-- The gateway finds the device by the certificate the browser presented.
CREATE INDEX device_certificates_by_fingerprint ON device_certificates (fingerprint_sha256);
