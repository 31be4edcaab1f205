-- The manufacturer's serial number, reported by the device; kept for
-- corporate devices only (the Privacy page says so).
ALTER TABLE devices ADD COLUMN serial_number TEXT;
