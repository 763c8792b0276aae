-- The successor a rotated refresh token was exchanged for, sealed with the KEK (bound to the
-- rotated token's digest). Kept only when tokens.refresh_reuse_grace_secs is set, so that the
-- same token presented again within the window returns the same successor.
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed TEXT;
