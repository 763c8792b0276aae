-- OpenID Connect Back-Channel and Front-Channel Logout: where a client wants to hear that a
-- session it took part in has ended, and whether it wants the session's iss and sid with it.
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT;
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN frontchannel_logout_uri TEXT;
ALTER TABLE clients ADD COLUMN frontchannel_logout_session_required BOOLEAN NOT NULL DEFAULT 0;

-- Outbound HTTP posts waiting to be sent, of every kind (security_alert: a webhook alert about
-- an incident; backchannel_logout: a logout token for a client). A node claims a row for a
-- lease before posting it, so two nodes never post one row at once; a row posted is deleted,
-- one that failed for good keeps its last error for operators. about: what the row concerns,
-- for operators (the incident id, the client id).
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    about TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_by TEXT,
    claimed_until BIGINT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at);

-- The webhook alerts' own queue is replaced by this one; what it still held moves over.
INSERT INTO deliveries (id, kind, about, body, created_at, attempts, next_attempt_at,
                        claimed_by, claimed_until, failed_at, last_error)
    SELECT id, 'security_alert', incident_id, body, created_at, attempts, next_attempt_at,
           claimed_by, claimed_until, failed_at, last_error
    FROM security_alerts;
DROP TABLE security_alerts;
