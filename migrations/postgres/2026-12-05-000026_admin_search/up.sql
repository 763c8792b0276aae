-- The audit list filters by actor or action and shows the newest first: with seq last in the
-- index, a page is a short backward walk, however long the trail.
CREATE INDEX audit_events_actor_seq ON audit_events (actor, seq);
CREATE INDEX audit_events_action_seq ON audit_events (action, seq);
-- Byte order, as SQLite compares: the admin search's prefix range (and LIKE 'term%') can then
-- use the username index, which a linguistic collation cannot; usernames are lowercase, so the
-- listing's order hardly changes.
ALTER TABLE users ALTER COLUMN username TYPE TEXT COLLATE "C";
