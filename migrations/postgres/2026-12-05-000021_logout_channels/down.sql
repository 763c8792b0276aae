CREATE TABLE security_alerts (
    id TEXT PRIMARY KEY NOT NULL,
    incident_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_by TEXT,
    claimed_until BIGINT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX security_alerts_due ON security_alerts (next_attempt_at);
INSERT INTO security_alerts (id, incident_id, body, created_at, attempts, next_attempt_at,
                             claimed_by, claimed_until, failed_at, last_error)
    SELECT id, about, body, created_at, attempts, next_attempt_at,
           claimed_by, claimed_until, failed_at, last_error
    FROM deliveries WHERE kind = 'security_alert';
DROP TABLE deliveries;
ALTER TABLE clients DROP COLUMN frontchannel_logout_session_required;
ALTER TABLE clients DROP COLUMN frontchannel_logout_uri;
ALTER TABLE clients DROP COLUMN backchannel_logout_session_required;
ALTER TABLE clients DROP COLUMN backchannel_logout_uri;
