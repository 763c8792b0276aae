ALTER TABLE clients DROP COLUMN previous_sealed_secret;
ALTER TABLE clients DROP COLUMN sealed_secret;
