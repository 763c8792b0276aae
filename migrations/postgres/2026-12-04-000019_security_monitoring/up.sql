-- Security monitoring. Incidents: what a detection rule recognised (kind) about whom (subject:
-- an address or network, or an account), how often and when; one open incident per kind and
-- subject, so a running attack raises its count instead of a storm of incidents.
CREATE TABLE security_incidents (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    severity TEXT NOT NULL,
    addresses TEXT NOT NULL,
    accounts TEXT NOT NULL,
    clients TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    count BIGINT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    -- When the last alert about this incident was queued: at most one per monitoring window.
    alerted_at BIGINT
);
CREATE UNIQUE INDEX security_incidents_open ON security_incidents (kind, subject)
    WHERE state <> 'resolved';
CREATE INDEX security_incidents_last_seen ON security_incidents (last_seen);

-- Addresses (or networks, in CIDR notation) refused before any password work until
-- expires_at; made by a detection rule (created_by 'system') or by an operator.
CREATE TABLE address_blocks (
    network TEXT PRIMARY KEY NOT NULL,
    reason TEXT NOT NULL,
    incident_id TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX address_blocks_expires_at ON address_blocks (expires_at);

-- The detection rules' distinct counts when no Redis is configured, so that every node on one
-- database counts together: one row per (rule, subject, member) in a window. Members are
-- HMACs under a key derived from the KEK (never the attempted names themselves); the attempted
-- passwords' HMACs are never written here (they stay in Redis or in memory).
CREATE TABLE monitor_marks (
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    member TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    PRIMARY KEY (rule, subject, member, window_start)
);
CREATE INDEX monitor_marks_window_start ON monitor_marks (window_start);

-- Webhook alerts waiting to be sent (the JSON body as it will be signed and posted). A node
-- claims a row for a lease before posting it, so two nodes never post one alert at once; a row
-- posted is deleted, one that failed for good keeps its last error for operators.
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
