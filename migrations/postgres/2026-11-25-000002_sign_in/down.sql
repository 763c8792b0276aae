DROP TABLE consents;
DROP TABLE refresh_tokens;
DROP TABLE authorization_codes;
DROP TABLE grants;
DROP TABLE authorization_requests;
DROP TABLE sessions;
ALTER TABLE users DROP COLUMN email_verified;
ALTER TABLE clients DROP COLUMN first_party;
ALTER TABLE clients DROP COLUMN post_logout_redirect_uris;
