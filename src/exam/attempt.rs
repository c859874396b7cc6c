//! Attempts in PostgreSQL: starting one (the whole exam stored at once, with its server-held
//! deadline), reading it back, and listing a candidate's attempts. Answers are in [`super::answers`],
//! finishing and scoring in [`super::finish`].
//!
//! Every query names both the attempt and its owner, so another user's attempt is simply not found.

use std::time::Duration;

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::ExamError;
use super::assemble::{self, Candidate};
use crate::bank::Blueprint;

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
    /// How many of the questions count (the rest are unscored pilots); set when the attempt is scored.
    pub scored_count: Option<i32>,
    pub raw_score: Option<i32>,
    pub scaled_score: Option<i32>,
    pub passed: Option<bool>,
    /// Extra time granted at the start (already in the deadline).
    pub extra_minutes: i32,
    /// Seconds left, computed by the database clock (0 when over).
    pub remaining_seconds: i64,
}

impl Attempt {
    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }
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

/// How a start went: a new attempt, or the one already in progress (one open attempt per exam).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    New(Uuid),
    Resumed(Uuid),
}

impl Started {
    pub fn id(self) -> Uuid {
        match self {
            Started::New(id) | Started::Resumed(id) => id,
        }
    }
}

/// Starts a mock exam, with the blueprint's `extra_time_minutes` on top of its duration when the candidate
/// asked for `extra_time`, or returns the one already in progress.
pub async fn start(
    pool: &PgPool,
    user_id: Uuid,
    blueprint: &Blueprint,
    extra_time: bool,
) -> Result<Started, ExamError> {
    if let Some(id) = open_attempt(pool, user_id, &blueprint.code).await? {
        return Ok(Started::Resumed(id));
    }
    let extra_minutes = if extra_time { blueprint.extra_time_minutes } else { 0 };
    let rows = sqlx::query!(
        r#"select v.id, q.task, q.status = 'pilot' as "pilot!", jsonb_array_length(v.options) as "option_count!",
                  (select max(a.started_at) from attempt_items ai
                     join attempts a on a.id = ai.attempt_id
                     join question_versions seen on seen.id = ai.question_version_id
                    where a.user_id = $2 and seen.exam_code = q.exam_code and seen.question_id = q.id) as last_seen
           from questions q join question_versions v on v.id = q.current_version_id
           where q.exam_code = $1 and q.status in ('live', 'pilot')"#,
        blueprint.code,
        user_id
    )
    .fetch_all(pool)
    .await?;
    let (mut scored, mut pilots) = (vec![], vec![]);
    for r in rows {
        let c =
            Candidate { version_id: r.id, task: r.task, option_count: r.option_count as usize, last_seen: r.last_seen };
        if r.pilot { pilots.push(c) } else { scored.push(c) }
    }
    let picks = assemble::assemble_with_pilots(blueprint, &scored, &pilots, &mut rand::thread_rng())?;

    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query!(
        "insert into attempts (id, user_id, exam_code, deadline, question_count, extra_minutes)
         values ($1, $2, $3, now() + make_interval(mins => $4::int + $6::int), $5, $6)
         on conflict (user_id, exam_code) where finished_at is null do nothing",
        id,
        user_id,
        blueprint.code,
        blueprint.duration_minutes as i32,
        picks.len() as i32,
        extra_minutes as i32
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        // Another tab started one at the same moment: use that one.
        tx.rollback().await?;
        return open_attempt(pool, user_id, &blueprint.code).await?.map(Started::Resumed).ok_or(ExamError::NotFound);
    }
    let columns = assemble::PickColumns::of(&picks);
    sqlx::query!(
        "insert into attempt_items (attempt_id, position, question_version_id, option_order, scored)
         select $1, p, v, array(select jsonb_array_elements_text(o::jsonb)::int), s
         from unnest($2::int[], $3::bigint[], $4::text[], $5::bool[]) as t(p, v, o, s)",
        id,
        &columns.positions,
        &columns.versions,
        &columns.orders,
        &columns.scored
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Started::New(id))
}

/// The attempt, if it belongs to `user_id`; otherwise `NotFound`.
pub async fn load(pool: &PgPool, id: Uuid, user_id: Uuid) -> Result<Attempt, ExamError> {
    let r = sqlx::query!(
        r#"select id, exam_code, started_at, deadline, finished_at, finish_reason, current_position,
                  question_count, scored_count, raw_score, scaled_score, passed, extra_minutes,
                  greatest(0, ceil(extract(epoch from deadline - now())))::bigint as "remaining!"
           from attempts where id = $1 and user_id = $2"#,
        id,
        user_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(ExamError::NotFound)?;
    Ok(Attempt {
        id: r.id,
        exam_code: r.exam_code,
        started_at: r.started_at,
        deadline: r.deadline,
        finished_at: r.finished_at,
        finish_reason: r.finish_reason,
        current_position: r.current_position,
        question_count: r.question_count,
        scored_count: r.scored_count,
        raw_score: r.raw_score,
        scaled_score: r.scaled_score,
        passed: r.passed,
        extra_minutes: r.extra_minutes,
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
