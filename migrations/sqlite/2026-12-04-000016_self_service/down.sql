DROP TABLE invitations;
DROP TABLE self_registrations;
DROP TABLE email_verifications;
