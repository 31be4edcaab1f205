-- What the device reported at its last check-in, and what the policy made of it.
ALTER TABLE devices ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN encrypted INTEGER;
ALTER TABLE devices ADD COLUMN passcode_set INTEGER;
ALTER TABLE devices ADD COLUMN jailbroken INTEGER;
ALTER TABLE devices ADD COLUMN free_storage_mb INTEGER;
ALTER TABLE devices ADD COLUMN compliance_reasons TEXT NOT NULL DEFAULT '[]';
-- Since when the device has failed a rule: the grace period counts from here.
ALTER TABLE devices ADD COLUMN failing_since TEXT;

CREATE TABLE device_certificates (
    serial             TEXT PRIMARY KEY NOT NULL,
    device_id          TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    subject            TEXT NOT NULL,
    fingerprint_sha256 TEXT NOT NULL,
    public_key         BLOB NOT NULL,
    certificate_pem    TEXT NOT NULL,
    issued_at          TEXT NOT NULL,
    expires_at         TEXT NOT NULL,
    revoked_at         TEXT
);
CREATE INDEX device_certificates_device_id ON device_certificates (device_id);

-- Only a hash of each code is kept; a used code keeps its row to say so.
CREATE TABLE enrollment_codes (
    code_hash   TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform    TEXT NOT NULL,
    ownership   TEXT NOT NULL CHECK (ownership IN ('corporate', 'personal')),
    device_name TEXT NOT NULL,
    category    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    device_id   TEXT
);
CREATE INDEX enrollment_codes_user_id ON enrollment_codes (user_id);

-- Nonces of signed device requests, kept while their timestamp is acceptable.
CREATE TABLE device_nonces (
    device_id TEXT NOT NULL,
    nonce     TEXT NOT NULL,
    seen_at   TEXT NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX device_nonces_seen_at ON device_nonces (seen_at);
