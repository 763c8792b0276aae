-- DPoP (RFC 9449): the thumbprint of the key a public client's grant is bound to; its refresh
-- tokens then need a proof by that key.
ALTER TABLE grants ADD COLUMN dpop_jkt TEXT;
