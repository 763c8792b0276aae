-- Device authorization requests (RFC 8628): the device code and the user code are stored only
-- as digests. A person finishes one on /device through the authorization pipeline, which
-- records the grant it made (or the refusal); the client's polling then claims it once.
CREATE TABLE device_authorizations (
    id TEXT PRIMARY KEY NOT NULL,
    device_code_hash TEXT NOT NULL UNIQUE,
    user_code_hash TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    interval_secs BIGINT NOT NULL,
    last_polled_at BIGINT,
    -- pending, approved, denied or used
    status TEXT NOT NULL DEFAULT 'pending',
    grant_id TEXT REFERENCES grants (id) ON DELETE CASCADE
);
CREATE INDEX device_authorizations_expires_at ON device_authorizations (expires_at);
-- The pending authorization request a person's /device visit made carries the device request.
ALTER TABLE authorization_requests ADD COLUMN device_id TEXT;
