ALTER TABLE authorization_requests DROP COLUMN device_id;
DROP TABLE device_authorizations;
