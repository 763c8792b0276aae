-- Personal data encrypted at rest. users.email and users.name hold AES-256-GCM ciphertexts
-- ("pd1:" + base64) under a key derived from the KEK, bound to the row and column; an account
-- is found by email through email_index, an HMAC of the normalised address under another
-- derived key, which carries the uniqueness the address had. personal_data_version is the key
-- version a row was encrypted with; NULL marks a row still in plaintext, which the server
-- encrypts in batches at its next start (a migration in SQL cannot: it has no KEK).
ALTER TABLE users ADD COLUMN email_index TEXT;
ALTER TABLE users ADD COLUMN personal_data_version BIGINT;
CREATE UNIQUE INDEX users_email_index ON users (email_index);

-- Invitations keep the invited address encrypted the same way (bound to the invitation id)
-- and find the open ones to an address by its blind index. email_verifications.email and
-- upstream_links.email are encrypted in place (a plaintext value there has an '@', an
-- encrypted one never does).
ALTER TABLE invitations ADD COLUMN email_index TEXT;
CREATE INDEX invitations_email_index ON invitations (email_index);
