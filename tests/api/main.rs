//! Integration tests: each starts the real `idp` binary on a free loopback port with a fresh
//! database (SQLite always; PostgreSQL when TEST_DATABASE_URL is set) and talks HTTP to it.

mod support;

mod account;
mod admin;
mod bootstrap;
mod browser;
mod cli;
mod database_restart;
mod discovery;
mod editing;
mod headers;
mod keys;
mod metrics;
mod nodes;
mod operations;
mod protection;
mod refresh;
mod restart;
mod services;
mod signin;
mod store;
mod token;
mod webdriver;
