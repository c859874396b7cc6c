//! Drills: untimed practice of one domain, task statements, a service or a ready-made set (due for
//! review, missed before, never seen, weakest task statements, the misses of a mock), one question at a
//! time with the key and every option's rationale as soon as the answer is checked.
//!
//! - [`scope`]: what a drill practises and which questions it draws, in which order (pure).
//! - [`schedule`]: spaced repetition with FSRS-6: ratings, next due dates (pure).
//! - [`memory`]: each candidate's memory of each question in PostgreSQL, updated by drills and mocks.
//! - [`store`]: drills and their answers in PostgreSQL. [`routes`]: the pages.
//!
//! A drill never changes a mock's results; both feed the same memory.

pub mod memory;
pub mod routes;
pub mod schedule;
pub mod scope;
pub mod store;

/// What can go wrong with a drill, in the drill's terms.
#[derive(Debug, thiserror::Error)]
pub enum DrillError {
    #[error("no such drill or question")]
    NotFound,
    #[error("This drill is finished; start a new one from the drill page.")]
    Finished,
    #[error("No question matches this choice. Choose another scope.")]
    Empty,
    #[error("{0}")]
    InvalidAnswer(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}
