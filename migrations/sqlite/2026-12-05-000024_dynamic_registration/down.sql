DROP TABLE registration_tokens;
