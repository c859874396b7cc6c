//! The instructor's workshop: the bank browser, the editor (source text in the bank's own file format,
//! a preview rendered as candidates see it, and the validator's messages), versions with a line diff, the
//! lifecycle (draft, live, quarantined, retired), export back to files, and GIFT import and export.
//!
//! PostgreSQL holds the live bank and files stay the review format: [`export`] writes files, the start-up
//! sync (`bank::sync`) reads them and never overwrites a newer browser edit.
//!
//! - [`editor`]: checking a source text (pure)
//! - [`diff`]: side-by-side line diff of two versions (pure)
//! - [`gift`]: GIFT both ways (pure)
//! - [`store`]: the tables
//! - [`export`]: the bank as files
//! - [`routes`]: the pages

pub mod analysis;
pub mod diff;
pub mod editor;
pub mod export;
pub mod gift;
pub mod item_stats;
pub mod problems;
pub mod routes;
pub mod store;

use sqlx::PgPool;

/// What the workshop refuses, apart from the web's error type (mapped to it in `web::error`).
#[derive(Debug, thiserror::Error)]
pub enum AuthoringError {
    #[error("no such question")]
    NotFound,
    /// The optimistic version check: someone saved since this editor was opened.
    #[error("this question was changed by someone else since you opened it; nothing was saved")]
    Changed,
    #[error("the id \"{0}\" is already used by another question of this exam")]
    IdTaken(String),
    #[error("nothing changed: the text is the same as the current version")]
    NoChange,
    #[error("a {from} question cannot be {action}")]
    Transition { from: String, action: &'static str },
    #[error("version {0} of this question cannot be read back; restore another one")]
    Unreadable(i32),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A step in a question's life. Draft → live (publish); draft or live → pilot (unscored in mocks) → live
/// (promote); live → quarantined (kept out of new mocks and drills until fixed) → live (reinstate);
/// anything → retired; retired → live (restore).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Publish,
    /// Try it out unscored in mocks (draft or live → pilot).
    Pilot,
    /// A pilot with enough answers becomes live (scored).
    Promote,
    Quarantine,
    Reinstate,
    Retire,
    Restore,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 7] = [
        Lifecycle::Publish,
        Lifecycle::Pilot,
        Lifecycle::Promote,
        Lifecycle::Quarantine,
        Lifecycle::Reinstate,
        Lifecycle::Retire,
        Lifecycle::Restore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Publish => "published",
            Lifecycle::Pilot => "made a pilot",
            Lifecycle::Promote => "promoted",
            Lifecycle::Quarantine => "quarantined",
            Lifecycle::Reinstate => "reinstated",
            Lifecycle::Retire => "retired",
            Lifecycle::Restore => "restored",
        }
    }

    /// The form value and button label.
    pub fn verb(self) -> (&'static str, &'static str) {
        match self {
            Lifecycle::Publish => ("publish", "Publish (make live)"),
            Lifecycle::Pilot => ("pilot", "Make it an unscored pilot"),
            Lifecycle::Promote => ("promote", "Promote (make live, scored)"),
            Lifecycle::Quarantine => ("quarantine", "Quarantine"),
            Lifecycle::Reinstate => ("reinstate", "Reinstate (make live)"),
            Lifecycle::Retire => ("retire", "Retire"),
            Lifecycle::Restore => ("restore", "Restore (make live)"),
        }
    }

    pub fn parse(value: &str) -> Option<Lifecycle> {
        Lifecycle::ALL.into_iter().find(|l| l.verb().0 == value)
    }

    /// The status after this step from `from`, if the step is allowed.
    pub fn next(self, from: &str) -> Option<&'static str> {
        match (self, from) {
            (Lifecycle::Publish, "draft") => Some("live"),
            (Lifecycle::Pilot, "draft" | "live") => Some("pilot"),
            (Lifecycle::Promote, "pilot") => Some("live"),
            (Lifecycle::Quarantine, "live") => Some("quarantined"),
            (Lifecycle::Reinstate, "quarantined") => Some("live"),
            (Lifecycle::Retire, "draft" | "pilot" | "live" | "quarantined") => Some("retired"),
            (Lifecycle::Restore, "retired") => Some("live"),
            _ => None,
        }
    }

    /// The steps open to a question in `status`.
    pub fn open_from(status: &str) -> Vec<Lifecycle> {
        Lifecycle::ALL.into_iter().filter(|l| l.next(status).is_some()).collect()
    }
}

#[derive(Debug, Clone)]
pub struct TaskCoverage {
    pub task: String,
    pub title: String,
    pub domain: u32,
    pub live: i64,
    pub needed: u32,
}

/// Live questions per task statement against the number one full mock draws from it.
pub async fn coverage(pool: &PgPool, bp: &crate::bank::Blueprint) -> sqlx::Result<Vec<TaskCoverage>> {
    let counts = sqlx::query!(
        r#"select task, count(*) as "n!" from questions where exam_code = $1 and status = 'live' group by task"#,
        bp.code
    )
    .fetch_all(pool)
    .await?;
    let needs = crate::bank::apportion::mock_needs(bp);
    let mut out = vec![];
    for (domain, per_task) in bp.domains.iter().zip(needs.per_task) {
        for (t, n) in domain.tasks.iter().zip(per_task) {
            out.push(TaskCoverage {
                task: t.id.clone(),
                title: t.title.clone(),
                domain: domain.number,
                live: counts.iter().find(|c| c.task == t.id).map(|c| c.n).unwrap_or(0),
                needed: n,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_only_its_steps() {
        assert_eq!(Lifecycle::Publish.next("draft"), Some("live"));
        assert_eq!(Lifecycle::Publish.next("live"), None);
        assert_eq!(Lifecycle::Quarantine.next("live"), Some("quarantined"));
        assert_eq!(Lifecycle::Quarantine.next("draft"), None);
        assert_eq!(Lifecycle::Reinstate.next("quarantined"), Some("live"));
        assert_eq!(Lifecycle::Retire.next("retired"), None);
        assert_eq!(Lifecycle::Restore.next("retired"), Some("live"));
        assert_eq!(Lifecycle::open_from("live"), [Lifecycle::Pilot, Lifecycle::Quarantine, Lifecycle::Retire]);
        assert_eq!(Lifecycle::open_from("pilot"), [Lifecycle::Promote, Lifecycle::Retire]);
        for step in Lifecycle::ALL {
            assert_eq!(Lifecycle::parse(step.verb().0), Some(step));
        }
    }
}
