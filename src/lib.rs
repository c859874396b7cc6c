//! # mockexam
//!
//! A web app in which candidates prepare for the AWS Certified Machine Learning – Specialty exam
//! (MLS-C01) with timed mock exams, and instructors keep the question bank.
//!
//! A reader who knows the product finds each behaviour in one guess:
//! - [`bank`]: the question files and the blueprint: parsing, validation, stats, sync into PostgreSQL
//!   ([`bank::sync`]) and the read model pages use ([`bank::store`]).
//! - [`exam`]: timed mock exams: assembly by the blueprint's weights, the attempt and its server-held
//!   deadline, answers, finishing and scoring, the sweeper. Its errors are [`exam::ExamError`].
//! - [`drill`]: untimed practice with feedback at once, and spaced repetition (FSRS) fed by drills and
//!   mocks alike.
//! - [`report`]: the results of a finished attempt: domains, weak areas, the review with keys.
//! - [`authoring`]: what instructors see of the bank.
//! - [`accounts`]: sign-up, sign-in, roles, password hashing, sign-in throttling.
//! - [`web`]: the router, middleware (sessions, CSRF, security headers), the one error type
//!   ([`web::error::AppError`], which maps every domain error), the typed request edge
//!   ([`web::CurrentUser`], [`web::Instructor`], [`web::session::TypedSession`]) and the dashboard.
//! - [`db`]: the connection, migrations, and the embedded PostgreSQL cluster.
//! - [`format`] (how numbers, dates and letters are written), [`secret`] (random tokens).
//! - [`server`], [`cli`], [`config`], [`telemetry`], [`bench`]: starting it all.
//!
//! Domain modules return their own errors (or `sqlx::Error`) and never the web's; handlers extract,
//! call the domain, render. Pure logic (apportionment, scoring, parsing) is in functions without I/O,
//! unit-tested beside them; integration tests in `tests/` start the real app against a real PostgreSQL.

pub mod accounts;
pub mod authoring;
pub mod bank;
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod drill;
pub mod exam;
pub mod format;
pub mod progress;
pub mod report;
pub mod secret;
pub mod server;
pub mod telemetry;
pub mod web;
