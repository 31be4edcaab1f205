-- Versions of the organisation's branding: the newest is in force; before
-- the first, the server's configuration.
CREATE TABLE branding (
    version    integer PRIMARY KEY,
    -- BrandingSettings as JSON.
    settings   text NOT NULL,
    -- The logo as a PNG the server wrote (an SVG is rasterised), if any.
    logo       bytea,
    changed_by uuid REFERENCES users (id) ON DELETE SET NULL,
    changed_at timestamptz NOT NULL
);
