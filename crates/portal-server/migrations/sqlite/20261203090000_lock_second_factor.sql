-- Wrong second-factor codes in a row, and until when the second factor is
-- locked after too many of them (the password path stays open).
ALTER TABLE users ADD COLUMN factor_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN factor_locked_until TEXT;
