-- Leaves the values encrypted: only a server holding the KEK could write them back in plaintext.
DROP INDEX invitations_email_index;
ALTER TABLE invitations DROP COLUMN email_index;
DROP INDEX users_email_index;
ALTER TABLE users DROP COLUMN personal_data_version;
ALTER TABLE users DROP COLUMN email_index;
