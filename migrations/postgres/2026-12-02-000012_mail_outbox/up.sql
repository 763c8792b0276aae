-- Outbound mail waiting for the relay. The message (recipient, subject, bodies, which may carry
-- one-time links) is sealed with the KEK: a dump of this table is neither a mailing list nor a
-- set of usable links. A node claims a row for a lease before sending it; a row sent is deleted,
-- one that failed for good keeps only its masked recipient and the last error.
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    recipient_hint TEXT NOT NULL,
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_by TEXT,
    claimed_until BIGINT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);

-- Password reset links: only the SHA-256 of the random token is kept; usable once, until
-- expires_at. Deleted with the account.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);
CREATE INDEX password_resets_expires_at ON password_resets (expires_at);
