-- Upstream OpenID Connect providers people may sign in with. The client secret is sealed with
-- the KEK (associated data: the provider id); `matching` says how an upstream identity finds
-- its account: `linked` (only links made beforehand), `email` (a verified email links on first
-- use) or `create` (an account is made just in time).
CREATE TABLE upstream_providers (
    id TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL,
    icon_url TEXT,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    scopes TEXT NOT NULL,
    matching TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Which account an upstream identity (provider, subject) signs in to: one account per identity.
CREATE TABLE upstream_links (
    provider_id TEXT NOT NULL REFERENCES upstream_providers (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (provider_id, subject)
);
CREATE INDEX upstream_links_user_id ON upstream_links (user_id);

-- Sign-ins sent to an upstream and not yet back: the state's digest, the nonce and the PKCE
-- verifier, bound to the browser and claimed once (used_at) by whichever node gets the answer.
CREATE TABLE upstream_logins (
    state_hash TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT NOT NULL REFERENCES upstream_providers (id) ON DELETE CASCADE,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    browser_hash TEXT NOT NULL,
    pending_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX upstream_logins_expires_at ON upstream_logins (expires_at);
