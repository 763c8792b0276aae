-- The audit list filters by actor or action and shows the newest first: with seq last in the
-- index, a page is a short backward walk, however long the trail.
CREATE INDEX audit_events_actor_seq ON audit_events (actor, seq);
CREATE INDEX audit_events_action_seq ON audit_events (action, seq);
