-- Admin API keys: random values shown once and stored only as SHA-256 digests, scoped to roles,
-- revocable, with the time of last use. Shared types only (TEXT, BIGINT, BOOLEAN).
CREATE TABLE admin_api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    roles TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    revoked_at BIGINT
);
