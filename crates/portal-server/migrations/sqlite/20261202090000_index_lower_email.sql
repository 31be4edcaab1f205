-- Queries shared with PostgreSQL match email addresses with lower(email).
CREATE INDEX users_email_lower ON users (lower(email));
CREATE INDEX apps_name_lower ON apps (lower(name));
CREATE INDEX audit_events_actor_id ON audit_events (actor_id, id);
