DROP TABLE upstream_logins;
DROP TABLE upstream_links;
DROP TABLE upstream_providers;
