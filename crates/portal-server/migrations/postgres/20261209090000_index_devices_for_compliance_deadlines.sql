-- Time alone changes a judgement (a grace period ends, a device stays away):
-- the sweep each minute reads only the devices whose deadline has passed.
CREATE INDEX devices_failing_since ON devices (compliance, failing_since);
CREATE INDEX devices_compliance_last_seen ON devices (compliance, (COALESCE(last_check_in, enrolled_at)));
