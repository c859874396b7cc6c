//! # mockexam
//!
//! A web app in which candidates prepare for the AWS Certified Machine Learning – Specialty exam
//! (MLS-C01) with timed mock exams, and instructors keep the question bank.
//!
//! A reader who knows the product finds each behaviour in one guess:
//! - [`bank`]: the question files and the blueprint: parsing, validation, stats, sync into PostgreSQL.
//! - [`exam`]: timed mock exams: assembly by the blueprint's weights, the server-held deadline,
//!   autosave, scoring and results.
//! - [`authoring`]: what instructors see of the bank.
//! - [`accounts`]: sign-up, sign-in, roles, password hashing, sign-in throttling.
//! - [`web`]: the router, middleware (sessions, CSRF, security headers), the page context.
//! - [`db`]: the connection, migrations, and the embedded PostgreSQL cluster.
//! - [`server`], [`cli`], [`config`], [`telemetry`]: starting it all.
//!
//! Pure logic (apportionment, scoring, parsing) is in functions without I/O, unit-tested beside them;
//! handlers stay thin; integration tests in `tests/` start the real app against a real PostgreSQL.

pub mod accounts;
pub mod authoring;
pub mod bank;
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod exam;
pub mod format;
pub mod report;
pub mod secret;
pub mod server;
pub mod telemetry;
pub mod web;
