-- All devices' search finds text anywhere in a device's name, model or serial
-- number, or its user's email: trigram indexes answer that without reading
-- every device. pg_trgm is a trusted extension: the database's owner may
-- create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX devices_search ON devices USING gin (
    lower(name) gin_trgm_ops, lower(model) gin_trgm_ops, lower(COALESCE(serial_number, '')) gin_trgm_ops
);
CREATE INDEX users_email_search ON users USING gin (lower(email) gin_trgm_ops);
