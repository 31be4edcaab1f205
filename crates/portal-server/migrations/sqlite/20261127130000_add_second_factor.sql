-- TOTP secrets are sealed with the server's secret key (AES-256-GCM).
ALTER TABLE users ADD COLUMN totp_secret BLOB;
-- Set up but not yet confirmed with a first code.
ALTER TABLE users ADD COLUMN totp_pending BLOB;
-- The last time step whose code was accepted: each code works once.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
);

-- When the password (and second factor) was last entered for this session:
-- destructive actions ask for it to be recent.
ALTER TABLE sessions ADD COLUMN authenticated_at TEXT;
