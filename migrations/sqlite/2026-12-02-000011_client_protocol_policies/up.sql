-- Per-client policies: authorization requests only through /par (RFC 9126), tokens only
-- DPoP-bound (RFC 9449).
ALTER TABLE clients ADD COLUMN require_par BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN require_dpop BOOLEAN NOT NULL DEFAULT 0;
