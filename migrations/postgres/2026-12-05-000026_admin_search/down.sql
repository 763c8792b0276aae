ALTER TABLE users ALTER COLUMN username TYPE TEXT COLLATE "default";
DROP INDEX audit_events_action_seq;
DROP INDEX audit_events_actor_seq;
