DROP TABLE audit_events;
DROP TABLE backup_codes;
ALTER TABLE authorization_requests DROP COLUMN acr_values;
ALTER TABLE clients DROP COLUMN require_mfa;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_enabled;
ALTER TABLE users DROP COLUMN totp_secret;
ALTER TABLE users DROP COLUMN locked_until;
ALTER TABLE users DROP COLUMN failed_logins;
