//! Timed mock exams: assembly by the blueprint's weights ([`assemble`]), the attempt in PostgreSQL with
//! its server-held deadline ([`attempt`]), taking it with autosaved answers ([`answers`]), finishing
//! and scoring ([`finish`], [`scoring`]), the pages ([`routes`]) and the background sweeper that
//! finishes abandoned attempts ([`sweeper`]). Results are the [`crate::report`] module's.
//!
//! Everything here returns [`ExamError`] or `sqlx::Error`; the web maps them to statuses.

pub mod answers;
pub mod assemble;
pub mod attempt;
pub mod finish;
pub mod hot;
pub mod routes;
pub mod scoring;
pub mod sweeper;

use std::time::Duration;

pub use assemble::TooSmall;

/// How late an answer may arrive after the deadline and still count: only the network's latency for a
/// choice made in the last moment (the page stops taking answers at the deadline). The sweeper waits
/// as long before it finishes an attempt, so it never races a last answer in flight. Stated on the
/// instructions page.
pub const ANSWER_GRACE: Duration = Duration::from_secs(2);

/// What can go wrong with an attempt, in the exam's terms.
#[derive(Debug, thiserror::Error)]
pub enum ExamError {
    /// No such attempt for this candidate (or no such question in it).
    #[error("no such attempt or question")]
    NotFound,
    #[error("This attempt is already finished; answers can no longer change.")]
    Finished,
    #[error(
        "Time is up: this answer arrived after the deadline and was not saved. \
         Your exam was finished as of the deadline with the answers saved before it."
    )]
    Late,
    /// An answer no real form could send (an option outside the question, two for a single answer).
    #[error("{0}")]
    InvalidAnswer(String),
    /// The page showed an older revision of the answer than the one stored (another tab saved since).
    #[error(
        "This answer was changed in another tab or window since this page was loaded. \
         The newer answer is shown; choose again to change it."
    )]
    Stale,
    #[error(transparent)]
    TooSmall(#[from] TooSmall),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}
