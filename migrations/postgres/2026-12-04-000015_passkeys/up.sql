-- Passkeys (WebAuthn): each credential belongs to one account (its id unique across all of
-- them); `credential` is the relying-party library's serialised form (public key, counter,
-- flags), and the counter and backup flags are kept beside it to be shown and checked.
-- `user_handle` is the random WebAuthn user handle of the account, the same on all its
-- passkeys, so that a discoverable credential names the account without revealing its id.
CREATE TABLE passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_handle TEXT NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    credential TEXT NOT NULL,
    sign_count BIGINT NOT NULL,
    backup_eligible BOOLEAN NOT NULL,
    backed_up BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);
CREATE INDEX passkeys_user_handle ON passkeys (user_handle);

-- WebAuthn ceremonies between their two requests, server-side so that any node can finish
-- one another node began: under the digest of a random id, bound to the browser (the digest of
-- its binding cookie, as pending authorization requests are), usable once, for minutes.
CREATE TABLE webauthn_ceremonies (
    id_hash TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    browser_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX webauthn_ceremonies_expires_at ON webauthn_ceremonies (expires_at);
