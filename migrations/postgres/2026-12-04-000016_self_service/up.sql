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

-- Invitations an admin or user manager sent: a link (only its token's SHA-256 kept) to make an
-- account for `email` with a username and password of one's own; usable once, until
-- expires_at, unless revoked. `invited_by` is the actor (a user id or apikey:<id>); it also
-- bounds how many one inviter sends per hour.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX invitations_inviter ON invitations (invited_by, created_at);
CREATE INDEX invitations_expires_at ON invitations (expires_at);
