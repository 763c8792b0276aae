ALTER TABLE grants DROP COLUMN dpop_jkt;
