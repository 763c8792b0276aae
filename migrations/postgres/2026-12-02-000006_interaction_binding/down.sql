ALTER TABLE authorization_requests DROP COLUMN response_mode;
ALTER TABLE authorization_requests DROP COLUMN consented_by;
ALTER TABLE authorization_requests DROP COLUMN browser_hash;
