//! Attempts in PostgreSQL: starting one (the whole exam stored at once), saving answers under the
//! server-held deadline, and reading them back. Finishing and scoring are in `finish`.
//!
//! Every query names both the attempt and its owner, so another user's attempt is simply not found
//! (404), and every state change locks the attempt row first (`for update`).

use std::time::Duration;

use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::assemble::{self, Candidate, TooSmall};
use super::finish::{Finish, finish_locked};
use crate::bank::Blueprint;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: Uuid,
    pub exam_code: String,
    pub started_at: OffsetDateTime,
    pub deadline: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub finish_reason: Option<String>,
    pub current_position: i32,
    pub question_count: i32,
    pub raw_score: Option<i32>,
    pub scaled_score: Option<i32>,
    pub passed: Option<bool>,
    /// Seconds left, computed by the database clock (0 when over).
    pub remaining_seconds: i64,
}

impl Attempt {
    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    TooSmall(#[from] TooSmall),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The candidate's unfinished attempt at this exam, if any.
pub async fn open_attempt(pool: &PgPool, user_id: Uuid, exam: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "select id from attempts where user_id = $1 and exam_code = $2 and finished_at is null",
        user_id,
        exam
    )
    .fetch_optional(pool)
    .await
}

/// Starts a mock exam, or returns the one already in progress (one open attempt per exam).
pub async fn start(pool: &PgPool, user_id: Uuid, blueprint: &Blueprint) -> Result<Uuid, StartError> {
    if let Some(id) = open_attempt(pool, user_id, &blueprint.code).await? {
        return Ok(id);
    }
    let rows = sqlx::query!(
        r#"select v.id, q.task, jsonb_array_length(v.options) as "option_count!",
                  (select max(a.started_at) from attempt_items ai
                     join attempts a on a.id = ai.attempt_id
                     join question_versions seen on seen.id = ai.question_version_id
                    where a.user_id = $2 and seen.exam_code = q.exam_code and seen.question_id = q.id) as last_seen
           from questions q join question_versions v on v.id = q.current_version_id
           where q.exam_code = $1 and q.retired_at is null"#,
        blueprint.code,
        user_id
    )
    .fetch_all(pool)
    .await?;
    let pool_of_candidates: Vec<Candidate> = rows
        .into_iter()
        .map(|r| Candidate { version_id: r.id, task: r.task, option_count: r.option_count as usize, last_seen: r.last_seen })
        .collect();
    let picks = assemble::assemble(blueprint, &pool_of_candidates, &mut rand::thread_rng())?;

    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query!(
        "insert into attempts (id, user_id, exam_code, deadline, question_count)
         values ($1, $2, $3, now() + make_interval(mins => $4), $5)
         on conflict (user_id, exam_code) where finished_at is null do nothing",
        id,
        user_id,
        blueprint.code,
        blueprint.duration_minutes as i32,
        picks.len() as i32
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        // Another tab started one at the same moment: use that one.
        tx.rollback().await?;
        return Ok(open_attempt(pool, user_id, &blueprint.code).await?.ok_or(sqlx::Error::RowNotFound)?);
    }
    let positions: Vec<i32> = (1..=picks.len() as i32).collect();
    let versions: Vec<i64> = picks.iter().map(|p| p.version_id).collect();
    // Postgres has no ragged arrays: store each option order as a JSON array, cast back in SQL.
    let orders: Vec<String> = picks.iter().map(|p| serde_json::to_string(&p.option_order).expect("ints")).collect();
    sqlx::query!(
        "insert into attempt_items (attempt_id, position, question_version_id, option_order)
         select $1, p, v, array(select jsonb_array_elements_text(o::jsonb)::int)
         from unnest($2::int[], $3::bigint[], $4::text[]) as t(p, v, o)",
        id,
        &positions,
        &versions,
        &orders
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The attempt, if it belongs to `user_id`; otherwise 404.
pub async fn load(pool: &PgPool, id: Uuid, user_id: Uuid) -> AppResult<Attempt> {
    let r = sqlx::query!(
        r#"select id, exam_code, started_at, deadline, finished_at, finish_reason, current_position,
                  question_count, raw_score, scaled_score, passed,
                  greatest(0, ceil(extract(epoch from deadline - now())))::bigint as "remaining!"
           from attempts where id = $1 and user_id = $2"#,
        id,
        user_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Attempt {
        id: r.id,
        exam_code: r.exam_code,
        started_at: r.started_at,
        deadline: r.deadline,
        finished_at: r.finished_at,
        finish_reason: r.finish_reason,
        current_position: r.current_position,
        question_count: r.question_count,
        raw_score: r.raw_score,
        scaled_score: r.scaled_score,
        passed: r.passed,
        remaining_seconds: r.remaining,
    })
}

/// Whether the deadline (plus grace) has passed, by the database clock.
pub async fn is_overdue(pool: &PgPool, id: Uuid, grace: Duration) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select deadline + make_interval(secs => $2) < now() as "overdue!" from attempts where id = $1"#,
        id,
        grace.as_secs_f64()
    )
    .fetch_one(pool)
    .await
}

/// One question as the candidate sees it during the attempt: no key, no rationale, no explanation.
#[derive(Debug, Clone)]
pub struct ItemView {
    pub position: i32,
    pub stem_html: String,
    /// Option texts (HTML) in the order shown.
    pub options: Vec<String>,
    /// Shown positions (0-based) of the chosen options.
    pub chosen: Vec<usize>,
    pub flagged: bool,
    pub multiple: bool,
    pub correct_count: usize,
}

pub async fn item(pool: &PgPool, attempt_id: Uuid, position: i32) -> AppResult<ItemView> {
    let r = sqlx::query!(
        r#"select ai.position, ai.option_order, ai.chosen, ai.flagged, v.stem_html, v.multiple,
                  cardinality(v.correct) as "correct_count!",
                  array(select o->>'text_html' from jsonb_array_elements(v.options) o) as "texts!: Vec<String>"
           from attempt_items ai join question_versions v on v.id = ai.question_version_id
           where ai.attempt_id = $1 and ai.position = $2"#,
        attempt_id,
        position
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let shown: Vec<usize> = r.option_order.iter().map(|&i| i as usize).collect();
    Ok(ItemView {
        position: r.position,
        stem_html: r.stem_html,
        options: shown.iter().map(|&i| r.texts.get(i).cloned().unwrap_or_default()).collect(),
        chosen: r.chosen.iter().filter_map(|c| shown.iter().position(|&s| s == *c as usize)).collect(),
        flagged: r.flagged,
        multiple: r.multiple,
        correct_count: r.correct_count as usize,
    })
}

/// Per position: answered? flagged? (for the progress bar and the review screen)
#[derive(Debug, Clone)]
pub struct ItemState {
    pub position: i32,
    pub answered: bool,
    pub flagged: bool,
}

pub async fn states(pool: &PgPool, attempt_id: Uuid) -> sqlx::Result<Vec<ItemState>> {
    let rows = sqlx::query!(
        r#"select position, cardinality(chosen) > 0 as "answered!", flagged
           from attempt_items where attempt_id = $1 order by position"#,
        attempt_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| ItemState { position: r.position, answered: r.answered, flagged: r.flagged }).collect())
}

/// Records that the candidate is now looking at `position`: the time since the last move is added
/// to the question they were on (never past the deadline), and resume will reopen this one.
pub async fn visit(pool: &PgPool, attempt_id: Uuid, position: i32) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    account_time(&mut tx, attempt_id).await?;
    sqlx::query!(
        "update attempts set current_position = $2, current_since = now() where id = $1 and finished_at is null",
        attempt_id,
        position
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub(super) async fn account_time(tx: &mut Transaction<'_, Postgres>, attempt_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update attempt_items ai
            set seconds_spent = ai.seconds_spent
                + greatest(0, extract(epoch from least(now(), a.deadline) - a.current_since))::int
           from attempts a
          where a.id = $1 and a.finished_at is null and ai.attempt_id = a.id and ai.position = a.current_position",
        attempt_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("This attempt is already finished; answers can no longer change.")]
    Finished,
    #[error(
        "Time is up: this answer arrived after the deadline and was not saved. \
         Your exam was finished as of the deadline with the answers saved before it."
    )]
    Late,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Other(#[from] AppError),
}

impl From<sqlx::Error> for SaveError {
    fn from(e: sqlx::Error) -> Self {
        SaveError::Other(e.into())
    }
}

/// What the candidate sent for one question: the chosen options (shown positions, 0-based) and the flag.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub position: i32,
    pub chosen: &'a [usize],
    pub flagged: bool,
}

/// Saves one question's answer. Refused when the attempt is finished, or when the deadline plus
/// `grace` has passed (which finishes it).
pub async fn save(
    pool: &PgPool,
    attempt_id: Uuid,
    user_id: Uuid,
    answer: Answer<'_>,
    grace: Duration,
    blueprint: &Blueprint,
) -> Result<(), SaveError> {
    let Answer { position, chosen: chosen_shown, flagged } = answer;
    let mut tx = pool.begin().await?;
    let a = sqlx::query!(
        r#"select finished_at is not null as "finished!",
                  deadline + make_interval(secs => $3) >= now() as "in_time!"
           from attempts where id = $1 and user_id = $2 for update"#,
        attempt_id,
        user_id,
        grace.as_secs_f64()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if a.finished {
        return Err(SaveError::Finished);
    }
    if !a.in_time {
        finish_locked(&mut tx, attempt_id, Finish::Timeout, blueprint).await?;
        tx.commit().await?;
        return Err(SaveError::Late);
    }
    let item = sqlx::query!(
        r#"select ai.option_order, v.multiple from attempt_items ai
           join question_versions v on v.id = ai.question_version_id
           where ai.attempt_id = $1 and ai.position = $2"#,
        attempt_id,
        position
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let chosen = to_file_indexes(chosen_shown, &item.option_order, item.multiple).map_err(SaveError::Invalid)?;
    sqlx::query!(
        "update attempt_items set chosen = $3, flagged = $4,
                answered_at = case when chosen is distinct from $3 then now() else answered_at end
         where attempt_id = $1 and position = $2",
        attempt_id,
        position,
        &chosen,
        flagged
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Maps shown positions to file indexes, refusing anything a real form could not send.
pub fn to_file_indexes(shown: &[usize], option_order: &[i32], multiple: bool) -> Result<Vec<i32>, String> {
    if !multiple && shown.len() > 1 {
        return Err("This question takes one answer.".into());
    }
    let mut out = Vec::with_capacity(shown.len());
    for &s in shown {
        let file_index = *option_order.get(s).ok_or("That option is not part of this question.")?;
        if out.contains(&file_index) {
            return Err("The same option was sent twice.".into());
        }
        out.push(file_index);
    }
    out.sort();
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub id: Uuid,
    pub exam_code: String,
    pub started_at: OffsetDateTime,
    pub finished: bool,
    pub finish_reason: Option<String>,
    pub raw_score: Option<i32>,
    pub question_count: i32,
    pub scaled_score: Option<i32>,
    pub passed: Option<bool>,
    pub remaining_seconds: i64,
}

pub async fn list_for_user(pool: &PgPool, user_id: Uuid) -> sqlx::Result<Vec<AttemptRow>> {
    let rows = sqlx::query!(
        r#"select id, exam_code, started_at, finished_at is not null as "finished!", finish_reason, raw_score,
                  question_count, scaled_score, passed,
                  greatest(0, ceil(extract(epoch from deadline - now())))::bigint as "remaining!"
           from attempts where user_id = $1 order by started_at desc limit 50"#,
        user_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AttemptRow {
            id: r.id,
            exam_code: r.exam_code,
            started_at: r.started_at,
            finished: r.finished,
            finish_reason: r.finish_reason,
            raw_score: r.raw_score,
            question_count: r.question_count,
            scaled_score: r.scaled_score,
            passed: r.passed,
            remaining_seconds: r.remaining,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::to_file_indexes;

    #[test]
    fn shown_positions_map_to_file_indexes() {
        assert_eq!(to_file_indexes(&[0], &[2, 0, 3, 1], false), Ok(vec![2]));
        assert_eq!(to_file_indexes(&[3, 1], &[2, 0, 3, 1, 4], true), Ok(vec![0, 1]));
        assert_eq!(to_file_indexes(&[], &[2, 0, 3, 1], false), Ok(vec![]));
    }

    #[test]
    fn forged_choices_are_refused() {
        assert!(to_file_indexes(&[4], &[2, 0, 3, 1], false).is_err());
        assert!(to_file_indexes(&[0, 1], &[2, 0, 3, 1], false).is_err());
        assert!(to_file_indexes(&[1, 1], &[2, 0, 3, 1, 4], true).is_err());
    }
}
