//! Progress and readiness: where a candidate stands across all mocks and drills (scores over time,
//! mastery, coverage, pacing, the chance of passing, percentile, their own data), and cohorts, in which an
//! instructor follows a group of candidates.
//!
//! - [`model`]: weighting, mastery, the readiness model, the chart's geometry (pure)
//! - [`store`]: the candidate's mocks and answers, coverage, percentile, and the cohort tables
//! - [`view`]: the page figures built from them (pure)
//! - [`routes`]: `/progress`, its CSV, joining and leaving cohorts, the instructors' cohort pages

pub mod model;
pub mod routes;
pub mod store;
pub mod view;
