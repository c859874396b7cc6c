//! What the progress and cohort pages read: a candidate's finished mocks and every answer (mocks and
//! drills), coverage, and the cohort tables. Each function takes the user it is about, so a page can only
//! ever show the signed-in candidate's own data (or, for cohorts, the members of a cohort the instructor
//! runs).

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Mock {
    pub id: Uuid,
    pub finished_at: OffsetDateTime,
    pub scaled: i32,
    pub raw: i32,
    pub scored: i32,
    pub timed_out: bool,
}

pub async fn mocks(pool: &PgPool, user: Uuid, exam: &str) -> sqlx::Result<Vec<Mock>> {
    let rows = sqlx::query!(
        r#"select id, finished_at as "finished_at!", coalesce(scaled_score, 0) as "scaled!", coalesce(raw_score, 0) as "raw!",
                  coalesce(scored_count, question_count) as "scored!", finish_reason = 'timeout' as "timed_out!"
           from attempts where user_id = $1 and exam_code = $2 and finished_at is not null
           order by finished_at"#,
        user,
        exam
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Mock {
            id: r.id,
            finished_at: r.finished_at,
            scaled: r.scaled,
            raw: r.raw,
            scored: r.scored,
            timed_out: r.timed_out,
        })
        .collect())
}

/// One answer of the candidate, in a finished mock (scored questions) or a checked drill question.
#[derive(Debug, Clone)]
pub struct AnswerRow {
    pub source: String,
    pub at: OffsetDateTime,
    pub question_id: String,
    pub version: i32,
    pub task: String,
    pub services: Vec<String>,
    pub correct: bool,
    pub chosen: Vec<i32>,
    pub seconds: i32,
}

pub async fn answers(pool: &PgPool, user: Uuid, exam: &str) -> sqlx::Result<Vec<AnswerRow>> {
    Ok(answers_of(pool, &[user], exam).await?.into_iter().map(|(_, r)| r).collect())
}

/// The answers of several candidates (each with its user id), oldest first, in one query.
pub async fn answers_of(pool: &PgPool, users: &[Uuid], exam: &str) -> sqlx::Result<Vec<(Uuid, AnswerRow)>> {
    let rows = sqlx::query!(
        r#"select a.user_id as "user_id!", 'mock' as "source!", a.finished_at as "at!", v.question_id as "question_id!",
                  v.version as "version!", v.task as "task!", v.services as "services!",
                  coalesce(ai.correct, false) as "correct!", ai.chosen as "chosen!", ai.seconds_spent as "seconds!"
           from attempts a join attempt_items ai on ai.attempt_id = a.id
                join question_versions v on v.id = ai.question_version_id
           where a.user_id = any($1) and a.exam_code = $2 and a.finished_at is not null and ai.scored
           union all
           select d.user_id, 'drill', coalesce(di.answered_at, d.started_at), v.question_id, v.version, v.task, v.services,
                  coalesce(di.correct, false), di.chosen, coalesce(di.seconds_spent, 0)
           from drills d join drill_items di on di.drill_id = d.id
                join question_versions v on v.id = di.question_version_id
           where d.user_id = any($1) and d.exam_code = $2 and di.chosen is not null
           order by 3"#,
        users,
        exam
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let row = AnswerRow {
                source: r.source,
                at: r.at,
                question_id: r.question_id,
                version: r.version,
                task: r.task,
                services: r.services,
                correct: r.correct,
                chosen: r.chosen,
                seconds: r.seconds,
            };
            (r.user_id, row)
        })
        .collect())
}

/// Live questions per domain, and how many of them the candidate has answered (mocks or drills).
pub async fn coverage(pool: &PgPool, user: Uuid, exam: &str) -> sqlx::Result<Vec<(i32, i64, i64)>> {
    let rows = sqlx::query!(
        r#"select q.domain, count(*) as "total!",
                  count(*) filter (where exists (
                      select 1 from attempts a join attempt_items ai on ai.attempt_id = a.id
                           join question_versions v on v.id = ai.question_version_id
                      where a.user_id = $1 and a.finished_at is not null and v.exam_code = q.exam_code and v.question_id = q.id)
                   or exists (
                      select 1 from drills d join drill_items di on di.drill_id = d.id
                           join question_versions v on v.id = di.question_version_id
                      where d.user_id = $1 and di.chosen is not null and v.exam_code = q.exam_code and v.question_id = q.id)
                  ) as "seen!"
           from questions q where q.exam_code = $2 and q.status = 'live' group by q.domain order by q.domain"#,
        user,
        exam
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.domain, r.seen, r.total)).collect())
}

/// The candidate's latest scaled score's percentile among the exam's candidates (their latest each), and
/// how many candidates there are.
pub async fn percentile(pool: &PgPool, user: Uuid, exam: &str) -> sqlx::Result<Option<(f64, i64)>> {
    let row = sqlx::query!(
        r#"with latest as (
             select distinct on (user_id) user_id, scaled_score
             from attempts where exam_code = $2 and finished_at is not null and scaled_score is not null
             order by user_id, finished_at desc)
           select count(*) as "n!",
                  count(*) filter (where scaled_score < (select scaled_score from latest where user_id = $1)) as "below!",
                  count(*) filter (where scaled_score = (select scaled_score from latest where user_id = $1)) as "equal!",
                  exists (select 1 from latest where user_id = $1) as "mine!"
           from latest"#,
        user,
        exam
    )
    .fetch_one(pool)
    .await?;
    // Mid-rank: ties count half.
    Ok(row.mine.then(|| ((row.below as f64 + row.equal as f64 / 2.0) / row.n.max(1) as f64 * 100.0, row.n)))
}

// ---------------------------------------------------------------- cohorts

#[derive(Debug, Clone)]
pub struct Cohort {
    pub id: Uuid,
    pub exam_code: String,
    pub name: String,
    pub code: String,
    pub created_at: OffsetDateTime,
    pub members: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    #[error("no cohort has the code \"{0}\": check it with your instructor (codes are 8 letters and digits)")]
    UnknownCode(String),
    #[error("give the cohort a name (at most 100 characters)")]
    BadName,
    #[error("no such cohort")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A code easy to read aloud: 8 characters without 0/O, 1/I/L.
pub fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..8).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// Codes are matched without regard to case or spaces.
pub fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase()
}

pub async fn create_cohort(pool: &PgPool, instructor: Uuid, exam: &str, name: &str) -> Result<Cohort, CohortError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(CohortError::BadName);
    }
    let id = Uuid::new_v4();
    let code = new_code();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into cohorts (id, exam_code, name, code, created_by) values ($1, $2, $3, $4, $5)",
        id,
        exam,
        name,
        code,
        instructor
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("insert into cohort_instructors (cohort_id, user_id) values ($1, $2)", id, instructor)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Cohort {
        id,
        exam_code: exam.into(),
        name: name.into(),
        code,
        created_at: OffsetDateTime::now_utc(),
        members: 0,
    })
}

/// The cohorts an instructor runs.
pub async fn instructor_cohorts(pool: &PgPool, instructor: Uuid) -> sqlx::Result<Vec<Cohort>> {
    let rows = sqlx::query!(
        r#"select c.id, c.exam_code, c.name, c.code, c.created_at,
                  (select count(*) from cohort_members m where m.cohort_id = c.id) as "members!"
           from cohorts c join cohort_instructors i on i.cohort_id = c.id
           where i.user_id = $1 order by c.created_at desc"#,
        instructor
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Cohort {
            id: r.id,
            exam_code: r.exam_code,
            name: r.name,
            code: r.code,
            created_at: r.created_at,
            members: r.members,
        })
        .collect())
}

/// A cohort, if `instructor` runs it (otherwise `NotFound`: another instructor's cohort is not shown).
pub async fn cohort_for(pool: &PgPool, id: Uuid, instructor: Uuid) -> Result<Cohort, CohortError> {
    instructor_cohorts(pool, instructor).await?.into_iter().find(|c| c.id == id).ok_or(CohortError::NotFound)
}

pub async fn join(pool: &PgPool, user: Uuid, code: &str) -> Result<Cohort, CohortError> {
    let code = normalise_code(code);
    let row = sqlx::query!("select id, exam_code, name, code, created_at from cohorts where code = $1", code)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| CohortError::UnknownCode(code.clone()))?;
    sqlx::query!(
        "insert into cohort_members (cohort_id, user_id) values ($1, $2) on conflict do nothing",
        row.id,
        user
    )
    .execute(pool)
    .await?;
    Ok(Cohort {
        id: row.id,
        exam_code: row.exam_code,
        name: row.name,
        code: row.code,
        created_at: row.created_at,
        members: 0,
    })
}

pub async fn leave(pool: &PgPool, user: Uuid, cohort: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query!("delete from cohort_members where cohort_id = $1 and user_id = $2", cohort, user)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The cohorts a candidate is in (for their dashboard: name and *Leave*).
pub async fn memberships(pool: &PgPool, user: Uuid) -> sqlx::Result<Vec<(Uuid, String, String)>> {
    let rows = sqlx::query!(
        "select c.id, c.name, c.exam_code from cohorts c join cohort_members m on m.cohort_id = c.id
         where m.user_id = $1 order by m.joined_at",
        user
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name, r.exam_code)).collect())
}

/// A cohort member's figures for the cohort page (readiness is computed by the caller from `answers`).
#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub last_mock: Option<(OffsetDateTime, i32)>,
    pub mocks: i64,
    pub drills: i64,
    pub last_active: Option<OffsetDateTime>,
}

pub async fn members(pool: &PgPool, cohort: Uuid, exam: &str) -> sqlx::Result<Vec<Member>> {
    let rows = sqlx::query!(
        r#"select u.id, u.email,
                  (select a.finished_at from attempts a where a.user_id = u.id and a.exam_code = $2 and a.finished_at is not null
                   order by a.finished_at desc limit 1) as last_mock_at,
                  (select a.scaled_score from attempts a where a.user_id = u.id and a.exam_code = $2 and a.finished_at is not null
                   order by a.finished_at desc limit 1) as last_mock_score,
                  (select count(*) from attempts a where a.user_id = u.id and a.exam_code = $2 and a.finished_at is not null) as "mocks!",
                  (select count(*) from drills d where d.user_id = u.id and d.exam_code = $2) as "drills!",
                  greatest((select max(a.started_at) from attempts a where a.user_id = u.id),
                           (select max(d.last_active_at) from drills d where d.user_id = u.id)) as last_active
           from cohort_members m join users u on u.id = m.user_id
           where m.cohort_id = $1 order by u.email"#,
        cohort,
        exam
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            user_id: r.id,
            email: r.email,
            last_mock: r.last_mock_at.zip(r.last_mock_score),
            mocks: r.mocks,
            drills: r.drills,
            last_active: r.last_active,
        })
        .collect())
}

/// Every answer of every member of a cohort (user id first), for its weakest areas and each member's
/// readiness.
pub async fn cohort_answers(pool: &PgPool, cohort: Uuid, exam: &str) -> sqlx::Result<Vec<(Uuid, AnswerRow)>> {
    let members =
        sqlx::query_scalar!("select user_id from cohort_members where cohort_id = $1", cohort).fetch_all(pool).await?;
    answers_of(pool, &members, exam).await
}
