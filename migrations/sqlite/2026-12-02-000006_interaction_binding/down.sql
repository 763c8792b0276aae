ALTER TABLE authorization_requests DROP COLUMN consent_denied;
ALTER TABLE authorization_requests DROP COLUMN consented_by;
ALTER TABLE authorization_requests DROP COLUMN browser_hash;
