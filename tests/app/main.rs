//! Integration tests: one binary, the real app on a random port against real PostgreSQL.
//! Set DATABASE_URL to use an existing server; otherwise an embedded cluster is started.

mod accounts;
mod analysis;
mod authoring;
mod bank_sync;
mod browser;
mod cli;
mod drill;
mod embedded;
mod exam;
mod fixtures;
mod hardening;
mod helpers;
mod pilots;
mod problems;
mod progress;
