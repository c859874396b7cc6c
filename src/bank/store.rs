//! The bank as pages read it from PostgreSQL: the exams on offer and the blueprint each was last synced
//! with (what running attempts are assembled and scored by). Writing is [`super::sync`]'s.

use sqlx::PgPool;

use super::Blueprint;

/// The blueprint of an exam as last synced (what running attempts are assembled and scored by).
pub async fn stored_blueprint(pool: &PgPool, code: &str) -> sqlx::Result<Option<Blueprint>> {
    let value = sqlx::query_scalar!("select blueprint from exams where code = $1", code).fetch_optional(pool).await?;
    value.map(|v| serde_json::from_value(v).map_err(|e| sqlx::Error::Decode(Box::new(e)))).transpose()
}

/// An exam offered on the dashboard.
#[derive(Debug, Clone)]
pub struct ExamSummary {
    pub code: String,
    pub name: String,
    pub live_questions: i64,
}

pub async fn exams(pool: &PgPool) -> sqlx::Result<Vec<ExamSummary>> {
    let rows = sqlx::query!(
        r#"select e.code, e.name,
                  (select count(*) from questions q where q.exam_code = e.code and q.status = 'live') as "live!"
           from exams e order by e.code"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| ExamSummary { code: r.code, name: r.name, live_questions: r.live }).collect())
}

/// Pilot questions an exam can mix into a mock (unscored).
pub async fn pilot_count(pool: &PgPool, code: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from questions where exam_code = $1 and status = 'pilot'"#, code)
        .fetch_one(pool)
        .await
}
