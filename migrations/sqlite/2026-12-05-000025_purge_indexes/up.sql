-- Every condition the purge deletes by (src/store/purge.rs) answered from an index: a batch
-- then reads only the rows it deletes, instead of scanning a table of millions of live rows.
CREATE INDEX authorization_requests_expires_at ON authorization_requests (expires_at);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX grants_expires_at ON grants (expires_at);
-- A grant's device request goes with it (ON DELETE CASCADE): found from the index, not a scan.
CREATE INDEX device_authorizations_grant ON device_authorizations (grant_id);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
-- Few rows ever have these set: partial indexes stay small.
CREATE INDEX invitations_revoked_at ON invitations (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX invitations_accepted_at ON invitations (accepted_at) WHERE accepted_at IS NOT NULL;
CREATE INDEX mail_outbox_failed_at ON mail_outbox (failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX deliveries_failed_at ON deliveries (failed_at) WHERE failed_at IS NOT NULL;
