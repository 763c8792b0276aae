//! Integration tests: each starts the real `idp` binary on a free loopback port with a fresh
//! database (SQLite always; PostgreSQL when TEST_DATABASE_URL is set) and talks HTTP to it.

mod smtp;
mod support;

mod account;
mod admin;
mod axe;
mod bootstrap;
mod branding;
mod browser;
mod cli;
mod client_auth;
mod client_secret_jwt;
mod cors;
mod database_restart;
mod deploy;
mod discovery;
mod dpop;
mod editing;
mod faults;
mod form_post;
mod headers;
mod healthcheck;
mod interaction_steps;
mod interactions;
mod keys;
mod mail;
mod metrics;
mod node_client;
mod nodes;
mod notices;
mod operations;
mod pages;
mod par;
mod protection;
mod recovery;
mod refresh;
mod refresh_grace;
mod restart;
mod services;
mod signin;
mod spa;
mod store;
mod tls_proxy;
mod token;
mod webdriver;
