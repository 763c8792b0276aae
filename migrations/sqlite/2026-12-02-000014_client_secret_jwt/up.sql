-- client_secret_jwt (RFC 7523 §2.2): the secret must be recoverable to check an HMAC, so for
-- clients registered for that method it is kept sealed with the KEK (bound to the client id),
-- beside its digest. Other clients keep the digest only.
ALTER TABLE clients ADD COLUMN sealed_secret TEXT;
ALTER TABLE clients ADD COLUMN previous_sealed_secret TEXT;
