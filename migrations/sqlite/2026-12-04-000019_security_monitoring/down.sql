DROP TABLE monitor_marks;
DROP TABLE address_blocks;
DROP TABLE security_incidents;
