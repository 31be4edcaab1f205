-- Register beside Enroll: a registered device has a certificate and an
-- owner but is not managed. A code says which of the two it adds, and a
-- registered device is enrolled later with a code of its own.
ALTER TABLE devices ADD COLUMN management TEXT NOT NULL DEFAULT 'managed'
    CHECK (management IN ('registered', 'managed'));
ALTER TABLE enrollment_codes ADD COLUMN management TEXT NOT NULL DEFAULT 'managed'
    CHECK (management IN ('registered', 'managed'));
