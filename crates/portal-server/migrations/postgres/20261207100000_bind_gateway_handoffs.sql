-- A hand-off is used only by the browser that asked for it: the hash of the
-- state the gateway gave that browser in a cookie of its own.
DELETE FROM gateway_handoffs;
ALTER TABLE gateway_handoffs ADD COLUMN state_hash text NOT NULL DEFAULT '';
