-- Web origins (space-separated scheme://host[:port]) a browser app of the client may call the
-- token, userinfo, revoke and end-session endpoints from, besides its redirect URIs' origins.
ALTER TABLE clients ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '';
