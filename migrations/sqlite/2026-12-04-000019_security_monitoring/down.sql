DROP TABLE security_alerts;
