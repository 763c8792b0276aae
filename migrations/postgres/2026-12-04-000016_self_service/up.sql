-- Email verification links: only the SHA-256 of the random token is kept; usable once, until
-- expires_at. `email` is the address the link proves: the account's own (purpose 'account',
-- after a sign-up) or a new one that replaces it once proved (purpose 'change').
CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);
CREATE INDEX email_verifications_expires_at ON email_verifications (expires_at);

-- Accounts people made themselves (sign-up). Until their address is verified they may not
-- sign in to clients (registration.require_verified_email), and they are deleted when still
-- unverified after registration.unverified_ttl_hours.
CREATE TABLE self_registrations (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    registered_at BIGINT NOT NULL
);
CREATE INDEX self_registrations_registered_at ON self_registrations (registered_at);
