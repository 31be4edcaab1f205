-- The admin audit log filters by subject (a device, a user), action and time,
-- newest first.
CREATE INDEX audit_events_subject ON audit_events (subject, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_at ON audit_events (at);
