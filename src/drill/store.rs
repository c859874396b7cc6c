//! Drills in PostgreSQL: starting one (its questions stored at once), showing a question (without its
//! key until the answer is checked), checking an answer (and updating the candidate's memory in the same
//! transaction), finishing, listing, and closing drills left for a day.
//!
//! Every query names both the drill and its owner, so another candidate's drill is simply not found.
//! Checking locks the drill row first (`for update`), so two tabs cannot check the same question twice.

use rand::SeedableRng;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::DrillError;
use super::memory::{self, Review};
use super::schedule::{self, Confidence};
use super::scope::{self, Candidate, Scope, Size};
use crate::bank::Blueprint;
use crate::exam::answers::to_file_indexes;
use crate::exam::assemble::PickColumns;

/// Every live question of the exam with what the candidate's memory says of it (for counts and choice).
pub async fn candidates(
    pool: &PgPool,
    user_id: Uuid,
    exam: &str,
    attempt: Option<Uuid>,
) -> sqlx::Result<Vec<Candidate>> {
    let rows = sqlx::query!(
        r#"select v.id, q.id as question_id, q.domain, q.task, v.services,
                  jsonb_array_length(v.options) as "option_count!",
                  r.due_at as "due_at?", r.last_review_at as "last_review_at?",
                  coalesce(r.last_rating = 1, false) as "last_missed!",
                  ($3::uuid is not null and exists (
                      select 1 from attempt_items ai join attempts a on a.id = ai.attempt_id
                      join question_versions av on av.id = ai.question_version_id
                      where a.id = $3 and a.user_id = $2 and a.finished_at is not null
                        and ai.correct is not true and av.exam_code = q.exam_code and av.question_id = q.id
                  )) as "missed_in_attempt!"
           from questions q join question_versions v on v.id = q.current_version_id
           left join review_states r on r.user_id = $2 and r.exam_code = q.exam_code and r.question_id = q.id
           where q.exam_code = $1 and q.status = 'live'"#,
        exam,
        user_id,
        attempt
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Candidate {
            version_id: r.id,
            question_id: r.question_id,
            domain: r.domain as u32,
            task: r.task,
            services: r.services,
            option_count: r.option_count as usize,
            due: r.due_at,
            last_review: r.last_review_at,
            last_missed: r.last_missed,
            missed_in_attempt: r.missed_in_attempt,
        })
        .collect())
}

/// The candidate's task statements by share right, from finished mocks and checked drill answers.
pub async fn weakest_tasks(pool: &PgPool, user_id: Uuid, exam: &str) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query!(
        r#"select v.task, count(*) filter (where x.correct) as "right!", count(*) as "total!"
           from (select ai.question_version_id, coalesce(ai.correct, false) as correct
                   from attempt_items ai join attempts a on a.id = ai.attempt_id
                  where a.user_id = $1 and a.exam_code = $2 and a.finished_at is not null
                 union all
                 select di.question_version_id, di.correct
                   from drill_items di join drills d on d.id = di.drill_id
                  where d.user_id = $1 and d.exam_code = $2 and di.correct is not null) x
           join question_versions v on v.id = x.question_version_id
           group by v.task"#,
        user_id,
        exam
    )
    .fetch_all(pool)
    .await?;
    let stats: Vec<(String, i64, i64)> = rows.into_iter().map(|r| (r.task, r.right, r.total)).collect();
    Ok(scope::weakest_tasks(&stats, 3, 3))
}

/// Starts a drill and returns its id. A drill the candidate left open is closed as it stands first.
pub async fn start(
    pool: &PgPool,
    user_id: Uuid,
    blueprint: &Blueprint,
    scope: &Scope,
    size: Size,
) -> Result<Uuid, DrillError> {
    let attempt = match scope {
        Scope::Attempt(id) => Some(*id),
        _ => None,
    };
    let candidates = candidates(pool, user_id, &blueprint.code, attempt).await?;
    let weakest = match scope {
        Scope::Weakest => weakest_tasks(pool, user_id, &blueprint.code).await?,
        _ => vec![],
    };
    let now = OffsetDateTime::now_utc();
    let picks = scope::choose(scope, &candidates, size, now, &weakest, &mut rand::rngs::StdRng::from_entropy());
    if picks.is_empty() {
        return Err(DrillError::Empty);
    }
    let id = Uuid::new_v4();
    let (kind, value) = scope.stored();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "update drills set finished_at = now(), finish_reason = 'closed' where user_id = $1 and finished_at is null",
        user_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into drills (id, user_id, exam_code, scope_kind, scope_value, title, question_count)
         values ($1, $2, $3, $4, $5, $6, $7)",
        id,
        user_id,
        blueprint.code,
        kind,
        value,
        scope.title(blueprint),
        picks.len() as i32
    )
    .execute(&mut *tx)
    .await?;
    let columns = PickColumns::of(&picks);
    sqlx::query!(
        "insert into drill_items (drill_id, position, question_version_id, option_order)
         select $1, p, v, array(select jsonb_array_elements_text(o::jsonb)::int)
         from unnest($2::int[], $3::bigint[], $4::text[]) as t(p, v, o)",
        id,
        &columns.positions,
        &columns.versions,
        &columns.orders
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct Drill {
    pub id: Uuid,
    pub exam_code: String,
    pub title: String,
    pub scope_kind: String,
    pub scope_value: String,
    pub question_count: i32,
    pub current_position: i32,
    pub started_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub finish_reason: Option<String>,
    pub answered: i64,
    pub right: i64,
}

impl Drill {
    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }
}

/// The drill, if it belongs to `user_id`.
pub async fn load(pool: &PgPool, id: Uuid, user_id: Uuid) -> Result<Drill, DrillError> {
    sqlx::query_as!(
        Drill,
        r#"select d.id, d.exam_code, d.title, d.scope_kind, d.scope_value, d.question_count, d.current_position,
                  d.started_at, d.finished_at, d.finish_reason,
                  (select count(*) from drill_items i where i.drill_id = d.id and i.chosen is not null) as "answered!",
                  (select count(*) from drill_items i where i.drill_id = d.id and i.correct) as "right!"
           from drills d where d.id = $1 and d.user_id = $2"#,
        id,
        user_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(DrillError::NotFound)
}

/// One drill question as shown: before its answer is checked, only the stem and the option texts;
/// after, also the key, every rationale, the explanation and the references (`feedback`).
#[derive(Debug, Clone)]
pub struct DrillItem {
    pub position: i32,
    pub task: String,
    pub services: Vec<String>,
    pub stem_html: String,
    /// Option texts (HTML) in the order shown.
    pub options: Vec<String>,
    pub multiple: bool,
    pub correct_count: usize,
    pub feedback: Option<Feedback>,
}

#[derive(Debug, Clone)]
pub struct Feedback {
    pub correct: bool,
    pub confidence: Option<Confidence>,
    /// Per shown option: (is key, chosen, rationale HTML).
    pub options: Vec<(bool, bool, String)>,
    pub explanation_html: String,
    pub references: Vec<String>,
}

/// The question at `position`. Keys, rationales and the explanation are selected only once the answer
/// has been checked: before that they never leave the database.
pub async fn item(pool: &PgPool, drill_id: Uuid, position: i32) -> Result<DrillItem, DrillError> {
    let r = sqlx::query!(
        r#"select di.position, di.option_order, di.chosen, di.confidence, di.correct, v.task, v.services,
                  v.stem_html, v.multiple, cardinality(v.correct) as "correct_count!",
                  array(select o->>'text_html' from jsonb_array_elements(v.options) o) as "texts!: Vec<String>",
                  case when di.chosen is not null then v.correct end as "key?: Vec<i32>",
                  case when di.chosen is not null then
                      array(select o->>'rationale_html' from jsonb_array_elements(v.options) o) end
                      as "rationales?: Vec<String>",
                  case when di.chosen is not null then v.explanation_html end as "explanation?",
                  case when di.chosen is not null then v.references_urls end as "references?: Vec<String>"
           from drill_items di join question_versions v on v.id = di.question_version_id
           where di.drill_id = $1 and di.position = $2"#,
        drill_id,
        position
    )
    .fetch_optional(pool)
    .await?
    .ok_or(DrillError::NotFound)?;
    let shown: Vec<usize> = r.option_order.iter().map(|&i| i as usize).collect();
    let text = |i: usize| r.texts.get(i).cloned().unwrap_or_default();
    let feedback = match (&r.chosen, &r.key, &r.rationales) {
        (Some(chosen), Some(key), Some(rationales)) => Some(Feedback {
            correct: r.correct.unwrap_or(false),
            confidence: r.confidence.as_deref().and_then(Confidence::parse),
            options: shown
                .iter()
                .map(|&f| {
                    let file = f as i32;
                    (key.contains(&file), chosen.contains(&file), rationales.get(f).cloned().unwrap_or_default())
                })
                .collect(),
            explanation_html: r.explanation.clone().unwrap_or_default(),
            references: r.references.clone().unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(DrillItem {
        position: r.position,
        task: r.task,
        services: r.services,
        stem_html: r.stem_html,
        options: shown.iter().map(|&i| text(i)).collect(),
        multiple: r.multiple,
        correct_count: r.correct_count as usize,
        feedback,
    })
}

/// The candidate is looking at `position`: remembered for resume, and the time it was first shown.
pub async fn visit(pool: &PgPool, drill_id: Uuid, position: i32) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "update drills set current_position = $2, last_active_at = now() where id = $1 and finished_at is null",
        drill_id,
        position
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update drill_items set shown_at = coalesce(shown_at, now()) where drill_id = $1 and position = $2",
        drill_id,
        position
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// What the candidate sent: shown positions (0-based) of the chosen options, and how sure they were.
#[derive(Debug, Clone)]
pub struct Check {
    pub position: i32,
    pub chosen: Vec<usize>,
    pub confidence: Confidence,
}

/// Checks one answer: stores it with the version shown and the seconds spent, and updates the
/// candidate's memory of the question. A second check of the same question changes nothing (`false`).
pub async fn check(pool: &PgPool, drill_id: Uuid, user_id: Uuid, answer: &Check) -> Result<bool, DrillError> {
    let mut tx = pool.begin().await?;
    let drill = sqlx::query!(
        r#"select exam_code, finished_at is not null as "finished!" from drills
           where id = $1 and user_id = $2 for update"#,
        drill_id,
        user_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(DrillError::NotFound)?;
    if drill.finished {
        return Err(DrillError::Finished);
    }
    let item = sqlx::query!(
        r#"select di.option_order, di.chosen is not null as "checked!", v.multiple, v.correct, v.question_id
           from drill_items di join question_versions v on v.id = di.question_version_id
           where di.drill_id = $1 and di.position = $2"#,
        drill_id,
        answer.position
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(DrillError::NotFound)?;
    if item.checked {
        return Ok(false);
    }
    let chosen =
        to_file_indexes(&answer.chosen, &item.option_order, item.multiple).map_err(DrillError::InvalidAnswer)?;
    if chosen.len() != item.correct.len() {
        return Err(DrillError::InvalidAnswer(if item.multiple {
            format!(
                "This question needs {} answers; you chose {}. Choose exactly {0} to check.",
                item.correct.len(),
                chosen.len()
            )
        } else {
            "Choose an answer to check.".to_string()
        }));
    }
    let mut key = item.correct.clone();
    key.sort();
    let correct = chosen == key;
    let now = OffsetDateTime::now_utc();
    sqlx::query!(
        "update drill_items set chosen = $3, confidence = $4, correct = $5, answered_at = $6,
                seconds_spent = greatest(0, extract(epoch from $6 - coalesce(shown_at, $6)))::int
         where drill_id = $1 and position = $2",
        drill_id,
        answer.position,
        &chosen,
        answer.confidence.as_str(),
        correct,
        now
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("update drills set last_active_at = now() where id = $1", drill_id).execute(&mut *tx).await?;
    let review = Review { question_id: item.question_id, rating: schedule::rating(correct, Some(answer.confidence)) };
    memory::record(&mut tx, user_id, &drill.exam_code, &[review], now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Ends the drill as it stands (answered questions keep their answers).
pub async fn finish(pool: &PgPool, drill_id: Uuid, user_id: Uuid) -> Result<(), DrillError> {
    let done = sqlx::query!(
        "update drills set finished_at = coalesce(finished_at, now()),
                finish_reason = coalesce(finish_reason, 'completed')
         where id = $1 and user_id = $2",
        drill_id,
        user_id
    )
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 { Err(DrillError::NotFound) } else { Ok(()) }
}

/// Drills left without a request for a day are closed as they stand; returns how many.
pub async fn close_stale(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "update drills set finished_at = now(), finish_reason = 'abandoned'
         where finished_at is null and last_active_at < now() - interval '24 hours'"
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// The candidate's drills, newest first (for the dashboard).
pub async fn list_for_user(pool: &PgPool, user_id: Uuid) -> sqlx::Result<Vec<Drill>> {
    sqlx::query_as!(
        Drill,
        r#"select d.id, d.exam_code, d.title, d.scope_kind, d.scope_value, d.question_count, d.current_position,
                  d.started_at, d.finished_at, d.finish_reason,
                  count(i.chosen) as "answered!", count(*) filter (where i.correct) as "right!"
           from drills d join drill_items i on i.drill_id = d.id
           where d.user_id = $1 group by d.id order by d.started_at desc limit 20"#,
        user_id
    )
    .fetch_all(pool)
    .await
}

/// How many questions are due for review now, per exam.
pub async fn due_counts(pool: &PgPool, user_id: Uuid) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"select r.exam_code, count(*) as "n!" from review_states r
           join questions q on q.exam_code = r.exam_code and q.id = r.question_id and q.status = 'live'
           where r.user_id = $1 and r.due_at <= now() group by r.exam_code order by r.exam_code"#,
        user_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.exam_code, r.n)).collect())
}

/// The candidate's desired retention (FSRS), and setting it.
pub async fn retention(pool: &PgPool, user_id: Uuid) -> sqlx::Result<f32> {
    sqlx::query_scalar!("select desired_retention from users where id = $1", user_id).fetch_one(pool).await
}

pub async fn set_retention(pool: &PgPool, user_id: Uuid, retention: f32) -> sqlx::Result<()> {
    sqlx::query!("update users set desired_retention = $2 where id = $1", user_id, retention).execute(pool).await?;
    Ok(())
}
