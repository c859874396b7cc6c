//! Candidates' problem reports: *Report a problem* on a finished mock's review and on a drill's feedback,
//! the instructors' queue (quarantine, fix, close with a reply), the automatic quarantine of a question
//! with three open *wrong key* reports, what a candidate sees of their reports, and the public changelog.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::Lifecycle;
use crate::bank::sync::{audit_by, lock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    WrongKey,
    Unclear,
    Outdated,
    Typo,
    Other,
}

impl Category {
    pub const ALL: [Category; 5] =
        [Category::WrongKey, Category::Unclear, Category::Outdated, Category::Typo, Category::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::WrongKey => "wrong-key",
            Category::Unclear => "unclear",
            Category::Outdated => "outdated",
            Category::Typo => "typo",
            Category::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::WrongKey => "The key is wrong",
            Category::Unclear => "The question is unclear",
            Category::Outdated => "An AWS fact is outdated",
            Category::Typo => "Typo",
            Category::Other => "Something else",
        }
    }

    pub fn parse(value: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

/// The longest report (and reply) text, in characters.
pub const MAX_TEXT: usize = 2000;
/// Reports one candidate may send per hour.
pub const PER_HOUR: i64 = 5;
/// Open *wrong key* reports (from different candidates) that quarantine a live question.
pub const AUTO_QUARANTINE_AT: i64 = 3;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("there is no such question to report (it must be from your own finished mock or checked drill answer)")]
    NotFound,
    #[error("choose what kind of problem it is")]
    NoCategory,
    #[error("say in a few words what is wrong")]
    Empty,
    #[error("the text is too long: at most {MAX_TEXT} characters")]
    TooLong,
    #[error("you have sent {PER_HOUR} reports in the last hour; please wait a while and send this one later")]
    TooMany,
    #[error("you have already reported this problem on this question; it is still open")]
    Duplicate,
    #[error("this report is already {0}")]
    Handled(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Where the reported question was answered.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    Mock { attempt: Uuid, position: i32 },
    Drill { drill: Uuid, position: i32 },
}

/// Checks the text of a report or reply (pure).
pub fn check_text(text: &str) -> Result<&str, ReportError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ReportError::Empty);
    }
    if text.chars().count() > MAX_TEXT {
        return Err(ReportError::TooLong);
    }
    Ok(text)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub id: i64,
    /// The report was the one that quarantined the question.
    pub quarantined: bool,
}

pub async fn submit(
    pool: &PgPool,
    user: Uuid,
    source: Source,
    category: Option<Category>,
    text: &str,
) -> Result<Submitted, ReportError> {
    let category = category.ok_or(ReportError::NoCategory)?;
    let text = check_text(text)?;
    let item = match source {
        Source::Mock { attempt, position } => sqlx::query!(
            r#"select v.exam_code, v.question_id, ai.question_version_id, ai.chosen
               from attempts a join attempt_items ai on ai.attempt_id = a.id
                    join question_versions v on v.id = ai.question_version_id
               where a.id = $1 and a.user_id = $2 and a.finished_at is not null and ai.position = $3"#,
            attempt,
            user,
            position
        )
        .fetch_optional(pool)
        .await?
        .map(|r| (r.exam_code, r.question_id, r.question_version_id, r.chosen, "mock")),
        Source::Drill { drill, position } => sqlx::query!(
            r#"select v.exam_code, v.question_id, di.question_version_id, di.chosen as "chosen!"
               from drills d join drill_items di on di.drill_id = d.id
                    join question_versions v on v.id = di.question_version_id
               where d.id = $1 and d.user_id = $2 and di.position = $3 and di.chosen is not null"#,
            drill,
            user,
            position
        )
        .fetch_optional(pool)
        .await?
        .map(|r| (r.exam_code, r.question_id, r.question_version_id, r.chosen, "drill")),
    };
    let (exam, question, version, chosen, from) = item.ok_or(ReportError::NotFound)?;
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    let recent = sqlx::query_scalar!(
        r#"select count(*) as "n!" from problem_reports where user_id = $1 and created_at > now() - interval '1 hour'"#,
        user
    )
    .fetch_one(&mut *tx)
    .await?;
    if recent >= PER_HOUR {
        return Err(ReportError::TooMany);
    }
    let id = sqlx::query_scalar!(
        "insert into problem_reports (user_id, exam_code, question_id, question_version_id, category, body, chosen, source)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (user_id, exam_code, question_id, category) where status = 'open' do nothing
         returning id",
        user,
        exam,
        question,
        version,
        category.as_str(),
        text,
        &chosen,
        from
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ReportError::Duplicate)?;
    let mut quarantined = false;
    if category == Category::WrongKey {
        let open = sqlx::query_scalar!(
            r#"select count(distinct user_id) as "n!" from problem_reports
               where exam_code = $1 and question_id = $2 and category = 'wrong-key' and status = 'open'"#,
            exam,
            question
        )
        .fetch_one(&mut *tx)
        .await?;
        if open >= AUTO_QUARANTINE_AT {
            let changed = sqlx::query!(
                "update questions set status = 'quarantined', status_by = null
                 where exam_code = $1 and id = $2 and status = 'live'",
                exam,
                question
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed > 0 {
                let detail = format!("automatically: {open} open wrong-key reports");
                audit_by(&mut tx, None, &exam, &question, "quarantined", Some(version), &detail).await?;
                sqlx::query!(
                    "update problem_reports set status = 'quarantined'
                     where exam_code = $1 and question_id = $2 and status = 'open' and category = 'wrong-key'",
                    exam,
                    question
                )
                .execute(&mut *tx)
                .await?;
                quarantined = true;
            }
        }
    }
    tx.commit().await?;
    Ok(Submitted { id, quarantined })
}

/// A report as the instructors' queue shows it.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: i64,
    pub question_id: String,
    pub version: i32,
    pub current_version: i32,
    pub question_status: String,
    pub category: String,
    pub body: String,
    /// The candidate's answer as letters in file order (what the editor shows).
    pub answer: String,
    pub source: String,
    pub created_at: OffsetDateTime,
    pub status: String,
}

impl Queued {
    pub fn category_label(&self) -> &'static str {
        Category::parse(&self.category).map_or("Other", Category::label)
    }
}

pub async fn queue(pool: &PgPool, exam: &str) -> sqlx::Result<Vec<Queued>> {
    let rows = sqlx::query!(
        r#"select r.id, r.question_id, v.version, cv.version as current_version, q.status as question_status,
                  r.category, r.body, r.chosen, r.source, r.created_at, r.status
           from problem_reports r join question_versions v on v.id = r.question_version_id
                join questions q on q.exam_code = r.exam_code and q.id = r.question_id
                join question_versions cv on cv.id = q.current_version_id
           where r.exam_code = $1 and r.status in ('open', 'quarantined')
           order by r.created_at"#,
        exam
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Queued {
            id: r.id,
            question_id: r.question_id,
            version: r.version,
            current_version: r.current_version,
            question_status: r.question_status,
            category: r.category,
            body: r.body,
            answer: letters(&r.chosen),
            source: r.source,
            created_at: r.created_at,
            status: r.status,
        })
        .collect())
}

fn letters(chosen: &[i32]) -> String {
    if chosen.is_empty() {
        return "no answer".into();
    }
    let mut sorted = chosen.to_vec();
    sorted.sort();
    sorted.iter().map(|&i| crate::format::letter(i as usize).to_string()).collect::<Vec<_>>().join(", ")
}

/// Open reports (for the dashboard count) and questions quarantined automatically (the instructors are
/// told there).
pub async fn dashboard_counts(pool: &PgPool, exam: &str) -> sqlx::Result<(i64, Vec<String>)> {
    let open = sqlx::query_scalar!(
        r#"select count(*) as "n!" from problem_reports where exam_code = $1 and status in ('open', 'quarantined')"#,
        exam
    )
    .fetch_one(pool)
    .await?;
    let auto = sqlx::query_scalar!(
        "select id from questions where exam_code = $1 and status = 'quarantined' and status_by is null order by id",
        exam
    )
    .fetch_all(pool)
    .await?;
    Ok((open, auto))
}

/// What an instructor does with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// Keep the question out of new mocks and drills while it is looked at.
    Quarantine,
    /// The question was fixed (in the editor); the reply says what changed.
    Fixed,
    /// Nothing to fix; the reply says why.
    Close,
}

impl Handling {
    pub fn parse(value: &str) -> Option<Handling> {
        match value {
            "quarantine" => Some(Handling::Quarantine),
            "fixed" => Some(Handling::Fixed),
            "close" => Some(Handling::Close),
            _ => None,
        }
    }
}

pub async fn handle(
    pool: &PgPool,
    exam: &str,
    report: i64,
    instructor: Uuid,
    handling: Handling,
    reply: &str,
) -> Result<(), ReportError> {
    let reply = match handling {
        Handling::Quarantine => reply.trim(),
        _ => check_text(reply)?,
    };
    if reply.chars().count() > MAX_TEXT {
        return Err(ReportError::TooLong);
    }
    let row =
        sqlx::query!("select question_id, status from problem_reports where id = $1 and exam_code = $2", report, exam)
            .fetch_optional(pool)
            .await?
            .ok_or(ReportError::NotFound)?;
    if !matches!(row.status.as_str(), "open" | "quarantined") {
        return Err(ReportError::Handled(row.status));
    }
    let status = match handling {
        Handling::Quarantine => {
            match super::store::set_status(pool, exam, &row.question_id, instructor, Lifecycle::Quarantine).await {
                Ok(()) | Err(super::AuthoringError::Transition { .. }) => {}
                Err(super::AuthoringError::Db(e)) => return Err(e.into()),
                Err(_) => return Err(ReportError::NotFound),
            }
            "quarantined"
        }
        Handling::Fixed => "fixed",
        Handling::Close => "closed",
    };
    sqlx::query!(
        "update problem_reports set status = $2, reply = $3, handled_by = $4, handled_at = now() where id = $1",
        report,
        status,
        reply,
        instructor
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// One of a candidate's own reports, for their dashboard.
#[derive(Debug, Clone)]
pub struct Mine {
    pub created_at: OffsetDateTime,
    pub task: String,
    pub excerpt: String,
    pub category: String,
    pub status: String,
    pub reply: String,
}

impl Mine {
    pub fn category_label(&self) -> &'static str {
        Category::parse(&self.category).map_or("Other", Category::label)
    }
}

pub async fn mine(pool: &PgPool, user: Uuid) -> sqlx::Result<Vec<Mine>> {
    let rows = sqlx::query!(
        r#"select r.created_at, v.task, left(v.stem_md, 120) as "excerpt!", r.category, r.status, r.reply
           from problem_reports r join question_versions v on v.id = r.question_version_id
           where r.user_id = $1 order by r.created_at desc limit 50"#,
        user
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Mine {
            created_at: r.created_at,
            task: r.task,
            excerpt: r.excerpt,
            category: r.category,
            status: r.status,
            reply: r.reply,
        })
        .collect())
}

/// A fixed question on the public changelog: its id, task, what changed (the instructor's reply to the
/// report) and when. No keys, no stems.
#[derive(Debug, Clone)]
pub struct Fix {
    pub question_id: String,
    pub task: String,
    pub what: String,
    pub at: OffsetDateTime,
}

pub async fn changelog(pool: &PgPool) -> sqlx::Result<Vec<Fix>> {
    let rows = sqlx::query!(
        r#"select r.question_id, q.task, r.reply, r.handled_at as "at!"
           from problem_reports r join questions q on q.exam_code = r.exam_code and q.id = r.question_id
           where r.status = 'fixed' and r.handled_at is not null
           order by r.handled_at desc limit 200"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| Fix { question_id: r.question_id, task: r.task, what: r.reply, at: r.at }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_capped() {
        assert_eq!(check_text("  the key is B  ").unwrap(), "the key is B");
        assert!(matches!(check_text("   "), Err(ReportError::Empty)));
        assert!(matches!(check_text(&"é".repeat(MAX_TEXT + 1)), Err(ReportError::TooLong)));
        assert!(check_text(&"é".repeat(MAX_TEXT)).is_ok(), "characters, not bytes");
    }

    #[test]
    fn categories_round_trip_and_answers_read_as_letters() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        assert_eq!(Category::parse("WRONG"), None);
        assert_eq!(letters(&[2, 0]), "A, C");
        assert_eq!(letters(&[]), "no answer");
    }
}
