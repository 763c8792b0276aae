-- Incident response. What remediation an incident's kind called for when it opened
-- (`end_sessions`, `require_second_factor`; empty: alert only), and the accounts it has been
-- applied to: each account once per incident, however often the incident is seen again.
ALTER TABLE security_incidents ADD COLUMN remediation TEXT NOT NULL DEFAULT '';
ALTER TABLE security_incidents ADD COLUMN remediated TEXT NOT NULL DEFAULT '';

-- Accounts whose next sign-in must pass a second factor (an incident's remediation); the row
-- goes when a sign-in with a second factor, or a new password set through a reset link or by
-- an administrator, satisfies it.
CREATE TABLE second_factor_demands (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
