DROP TABLE revoked_tokens;
ALTER TABLE signing_keys DROP COLUMN activates_at;
ALTER TABLE clients DROP COLUMN id_token_alg;
ALTER TABLE clients DROP COLUMN previous_secret_expires_at;
ALTER TABLE clients DROP COLUMN previous_secret_hash;
ALTER TABLE clients DROP COLUMN jwks;
