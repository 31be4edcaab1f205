-- The schema the SQLite migrations reach, in PostgreSQL's types: ids are
-- uuid, times timestamptz, flags boolean. Email addresses are unique
-- whatever their case.

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL,
    display_name   text NOT NULL,
    role           text NOT NULL CHECK (role IN ('employee', 'admin')),
    password_hash  text NOT NULL,
    created_at     timestamptz NOT NULL,
    -- TOTP secrets are sealed with the server's secret key (AES-256-GCM).
    totp_secret    bytea,
    -- Set up but not yet confirmed with a first code.
    totp_pending   bytea,
    -- The last time step whose code was accepted: each code works once.
    totp_last_step bigint
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

-- Only a hash of the session token is kept: a copy of the database signs no one in.
CREATE TABLE sessions (
    token_hash       text PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    -- When the password (and second factor) was last entered for this session.
    authenticated_at timestamptz
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE recovery_codes (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash text NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE devices (
    id                 uuid PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name               text NOT NULL,
    platform           text NOT NULL,
    model              text NOT NULL,
    os_version         text NOT NULL,
    ownership          text NOT NULL CHECK (ownership IN ('corporate', 'personal')),
    compliance         text NOT NULL CHECK (compliance IN ('can_access', 'out_of_compliance', 'cannot_access')),
    enrolled_at        timestamptz NOT NULL,
    last_check_in      timestamptz,
    category           text NOT NULL DEFAULT '',
    encrypted          boolean,
    passcode_set       boolean,
    jailbroken         boolean,
    free_storage_mb    bigint,
    compliance_reasons text NOT NULL DEFAULT '[]',
    -- Since when the device has failed a rule: the grace period counts from here.
    failing_since      timestamptz,
    -- When a Reset device completed; the row stays so the user sees it was erased.
    wiped_at           timestamptz,
    -- Kept for corporate devices only (the Privacy page says so).
    serial_number      text
);
CREATE INDEX devices_user_id ON devices (user_id);

CREATE TABLE device_certificates (
    serial             text PRIMARY KEY,
    device_id          uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    subject            text NOT NULL,
    fingerprint_sha256 text NOT NULL,
    public_key         bytea NOT NULL,
    certificate_pem    text NOT NULL,
    issued_at          timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    revoked_at         timestamptz
);
CREATE INDEX device_certificates_device_id ON device_certificates (device_id);

-- Only a hash of each code is kept; a used code keeps its row to say so.
CREATE TABLE enrollment_codes (
    code_hash   text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform    text NOT NULL,
    ownership   text NOT NULL CHECK (ownership IN ('corporate', 'personal')),
    device_name text NOT NULL,
    category    text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    device_id   uuid
);
CREATE INDEX enrollment_codes_user_id ON enrollment_codes (user_id);

-- Nonces of signed device requests, kept while their timestamp is acceptable.
CREATE TABLE device_nonces (
    device_id uuid NOT NULL,
    nonce     text NOT NULL,
    seen_at   timestamptz NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX device_nonces_seen_at ON device_nonces (seen_at);

-- The corporate app catalog. Apps are retired, never deleted: installs and
-- the audit log keep pointing at them.
CREATE TABLE apps (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    publisher   text NOT NULL,
    version     text NOT NULL,
    size_bytes  bigint NOT NULL,
    description text NOT NULL,
    category    text NOT NULL,
    featured    boolean NOT NULL DEFAULT FALSE,
    required    boolean NOT NULL DEFAULT FALSE,
    web_url     text,
    icon_color  text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    retired_at  timestamptz
);
CREATE INDEX apps_name ON apps (lower(name));

CREATE TABLE app_platforms (
    app_id   text NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    platform text NOT NULL,
    PRIMARY KEY (app_id, platform)
);
CREATE INDEX app_platforms_platform ON app_platforms (platform, app_id);

-- Remote actions queued for a device, with the time each step was reached.
-- A re-enrolled device gets a new id, so nothing queued before runs after.
CREATE TABLE commands (
    id              uuid PRIMARY KEY,
    device_id       uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL,
    kind            text NOT NULL,
    state           text NOT NULL,
    lock_message    text,
    lock_phone      text,
    idempotency_key text,
    requested_at    timestamptz NOT NULL,
    delivered_at    timestamptz,
    acknowledged_at timestamptz,
    finished_at     timestamptz,
    expires_at      timestamptz NOT NULL,
    failure_reason  text,
    -- Install and Uninstall name the app, and the version asked for.
    app_id          text REFERENCES apps (id),
    app_name        text,
    app_version     text,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX commands_device_id ON commands (device_id, requested_at);

-- Where each managed app stands on each device.
CREATE TABLE device_apps (
    device_id  uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    app_id     text NOT NULL REFERENCES apps (id),
    state      text NOT NULL,
    command_id uuid,
    reason     text,
    version    text,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (device_id, app_id)
);

CREATE TABLE audit_events (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL,
    actor_id uuid,
    action   text NOT NULL,
    subject  text,
    source   text,
    outcome  text NOT NULL
);
CREATE INDEX audit_events_actor_id ON audit_events (actor_id, id);

-- The audit log is append-only.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
