-- Dynamic client registration (RFC 7591 / 7592). Two kinds of bearer tokens, both kept only
-- as SHA-256 digests: initial access tokens an operator makes so that a developer may register
-- clients at /register ('initial': a number of uses, an expiry), and the registration access
-- token each dynamically registered client gets to read, update and delete itself ('client').
CREATE TABLE registration_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    client_id TEXT REFERENCES clients (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    -- The token endpoint authentication method the client registered with (RFC 7591 §2).
    auth_method TEXT,
    uses_left BIGINT,
    expires_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX registration_tokens_client ON registration_tokens (client_id);
