DROP INDEX audit_events_action_seq;
DROP INDEX audit_events_actor_seq;
