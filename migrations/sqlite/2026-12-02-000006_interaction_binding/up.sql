-- A pending authorization request is bound to the browser that started it (the SHA-256 of a
-- random cookie value), records the account that gave consent on the consent page, and how the
-- answer goes back. The authorization pipeline reads these when it resumes.
ALTER TABLE authorization_requests ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE authorization_requests ADD COLUMN consented_by TEXT;
ALTER TABLE authorization_requests ADD COLUMN response_mode TEXT NOT NULL DEFAULT 'query';
