-- All devices sorts on each column and pages by (column, id): an index in that
-- order reads a page without sorting the fleet.
CREATE INDEX devices_name ON devices (lower(name), id);
CREATE INDEX devices_last_seen ON devices ((COALESCE(last_check_in, enrolled_at)), id);
CREATE INDEX devices_platform ON devices (platform, id);
CREATE INDEX devices_os_version ON devices (os_version, id);
CREATE INDEX devices_ownership ON devices (ownership, id);
CREATE INDEX devices_compliance ON devices (compliance, id);
-- The filter an administrator reaches for most (noncompliant devices of a
-- platform), counted and listed by name from the index alone.
CREATE INDEX devices_compliance_platform ON devices (compliance, platform, lower(name), id);
