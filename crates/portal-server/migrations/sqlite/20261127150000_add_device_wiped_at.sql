-- When a Reset device completed; the row stays so the user sees it was erased.
ALTER TABLE devices ADD COLUMN wiped_at TEXT;
