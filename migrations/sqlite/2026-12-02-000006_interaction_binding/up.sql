-- A pending authorization request is bound to the browser that started it (the SHA-256 of a
-- random cookie value) and records what the interactions decided: consent given by an account,
-- or refused. The authorization pipeline reads these when it resumes.
ALTER TABLE authorization_requests ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE authorization_requests ADD COLUMN consented_by TEXT;
ALTER TABLE authorization_requests ADD COLUMN consent_denied BOOLEAN NOT NULL DEFAULT 0;
