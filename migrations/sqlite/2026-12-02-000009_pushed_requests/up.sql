-- Pushed authorization requests (RFC 9126): the parameters a client sent to /par, under the
-- digest of the request_uri it got back; usable once, shortly.
CREATE TABLE pushed_requests (
    uri_hash TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL,
    params TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
