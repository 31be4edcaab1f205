-- Versions of the organisation's branding: the newest is in force; before
-- the first, the server's configuration.
CREATE TABLE branding (
    version    INTEGER PRIMARY KEY NOT NULL,
    -- BrandingSettings as JSON.
    settings   TEXT NOT NULL,
    -- The logo as a PNG the server wrote (an SVG is rasterised), if any.
    logo       BLOB,
    changed_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    changed_at TEXT NOT NULL
);
