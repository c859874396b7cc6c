//! Finishing an attempt and scoring it, in PostgreSQL and in one transaction: each item right or
//! wrong, totals per domain and task statement, then the scaled estimate. The attempt row is locked
//! first (`for update`), so a double submit, a second tab and the sweeper cannot score it twice.

use std::time::Duration;

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::ExamError;
use super::answers::account_time;
use super::scoring;
use crate::bank::Blueprint;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Submitted,
    Timeout,
}

/// Finishes and scores the attempt if it is still open. Returns false if it was already finished
/// (a second submit, or the sweeper got there first): nothing is scored twice.
pub async fn finish(
    pool: &PgPool,
    attempt_id: Uuid,
    user_id: Option<Uuid>,
    how: Finish,
    blueprint: &Blueprint,
) -> Result<bool, ExamError> {
    let mut tx = pool.begin().await?;
    let open = sqlx::query_scalar!(
        "select finished_at is null from attempts where id = $1 and ($2::uuid is null or user_id = $2) for update",
        attempt_id,
        user_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ExamError::NotFound)?
    .unwrap_or(false);
    if !open {
        return Ok(false);
    }
    finish_locked(&mut tx, attempt_id, how, blueprint).await?;
    tx.commit().await?;
    Ok(true)
}

/// Scores a locked, open attempt: each item right or wrong (multiple response only when exactly the
/// correct set is chosen), totals per domain and task statement, then the scaled estimate; and records
/// each question in the candidate's spaced-repetition memory.
pub(super) async fn finish_locked(
    tx: &mut Transaction<'_, Postgres>,
    attempt_id: Uuid,
    how: Finish,
    blueprint: &Blueprint,
) -> sqlx::Result<()> {
    account_time(tx, attempt_id).await?;
    let reason = match how {
        Finish::Submitted => "submitted",
        Finish::Timeout => "timeout",
    };
    // A submission never ends later than the deadline; a timeout ends exactly at it, and so does a
    // submission that arrives after the deadline (it is a timeout, whatever the button said).
    sqlx::query!(
        "update attempts set finish_reason = case when $2 = 'submitted' and now() > deadline then 'timeout' else $2 end,
                finished_at = case when $2 = 'timeout' then deadline else least(now(), deadline) end
         where id = $1",
        attempt_id,
        reason
    )
    .execute(&mut **tx)
    .await?;
    score_items(tx, attempt_id).await?;
    record_scaled_score(tx, attempt_id, blueprint).await?;
    // Every question of the mock is a review for spaced repetition: misses come back in drills.
    crate::drill::memory::record_attempt(tx, attempt_id).await
}

/// Marks each item right or wrong and totals them per domain and task statement.
async fn score_items(tx: &mut Transaction<'_, Postgres>, attempt_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update attempt_items ai set correct = (ai.chosen @> v.correct and ai.chosen <@ v.correct)
         from question_versions v where v.id = ai.question_version_id and ai.attempt_id = $1",
        attempt_id
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "insert into attempt_domain_scores (attempt_id, domain, correct, total)
         select $1, v.domain, count(*) filter (where ai.correct), count(*)
         from attempt_items ai join question_versions v on v.id = ai.question_version_id
         where ai.attempt_id = $1 and ai.scored group by v.domain",
        attempt_id
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "insert into attempt_task_scores (attempt_id, task, correct, total)
         select $1, v.task, count(*) filter (where ai.correct), count(*)
         from attempt_items ai join question_versions v on v.id = ai.question_version_id
         where ai.attempt_id = $1 and ai.scored group by v.task",
        attempt_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The raw total and the scaled estimate on the attempt row.
async fn record_scaled_score(
    tx: &mut Transaction<'_, Postgres>,
    attempt_id: Uuid,
    blueprint: &Blueprint,
) -> sqlx::Result<()> {
    let totals = sqlx::query!(
        r#"select count(*) filter (where correct) as "correct!", count(*) as "total!"
           from attempt_items where attempt_id = $1 and scored"#,
        attempt_id
    )
    .fetch_one(&mut **tx)
    .await?;
    let est = scoring::estimate(totals.correct as u32, totals.total as u32, &blueprint.score, blueprint.cut_fraction());
    sqlx::query!(
        "update attempts set raw_score = $2, scaled_score = $3, passed = $4, scored_count = $5 where id = $1",
        attempt_id,
        totals.correct as i32,
        est.scaled as i32,
        est.passed,
        totals.total as i32
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Open attempts whose deadline plus grace has passed (for the sweeper). Several app processes may
/// sweep side by side: `finish` locks each attempt and leaves one already finished alone.
pub async fn overdue(pool: &PgPool, grace: Duration) -> sqlx::Result<Vec<(Uuid, String)>> {
    let rows = sqlx::query!(
        "select id, exam_code from attempts
         where finished_at is null and deadline + make_interval(secs => $1) < now()
         order by deadline limit 100",
        grace.as_secs_f64()
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.exam_code)).collect())
}
