DROP TABLE second_factor_demands;
ALTER TABLE security_incidents DROP COLUMN remediated;
ALTER TABLE security_incidents DROP COLUMN remediation;
