//! Sync of the question files into PostgreSQL.
//!
//! Every version of every question is kept: a question whose content changed (its content hash) gets a
//! new version row and becomes current; old versions stay for the attempts that used them. A question
//! removed from the files is retired (never drawn again), not deleted; one that comes back is restored.
//! Each exam syncs in one transaction under an advisory lock, so app processes starting together
//! cannot interleave.

use std::collections::HashMap;
use std::fmt;

use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};

use super::{Bank, ExamBank, Question, markdown};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub retired: usize,
    pub restored: usize,
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} changed, {} unchanged, {} retired, {} restored",
            self.added, self.changed, self.unchanged, self.retired, self.restored
        )
    }
}

pub async fn sync(pool: &PgPool, bank: &Bank) -> anyhow::Result<SyncReport> {
    let mut total = SyncReport::default();
    for exam in &bank.exams {
        let mut tx = pool.begin().await?;
        sqlx::query!("select pg_advisory_xact_lock(7202611)").execute(&mut *tx).await?;
        let r = sync_exam(&mut tx, exam).await?;
        tx.commit().await?;
        total.added += r.added;
        total.changed += r.changed;
        total.unchanged += r.unchanged;
        total.retired += r.retired;
        total.restored += r.restored;
    }
    Ok(total)
}

struct Existing {
    current_hash: String,
    retired: bool,
}

async fn sync_exam(tx: &mut Transaction<'_, Postgres>, exam: &ExamBank) -> anyhow::Result<SyncReport> {
    let bp = &exam.blueprint;
    upsert_exam(tx, bp).await?;
    let mut report = sync_questions(tx, exam).await?;
    report.retired = retire_missing(tx, exam).await?;
    Ok(report)
}

/// The exam row with the blueprint attempts are assembled and scored by.
async fn upsert_exam(tx: &mut Transaction<'_, Postgres>, bp: &super::Blueprint) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into exams (code, name, blueprint) values ($1, $2, $3)
         on conflict (code) do update set name = excluded.name, blueprint = excluded.blueprint, synced_at = now()",
        bp.code,
        bp.name,
        serde_json::to_value(bp)?
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds new questions, and a new current version for each whose content changed or that comes back.
async fn sync_questions(tx: &mut Transaction<'_, Postgres>, exam: &ExamBank) -> anyhow::Result<SyncReport> {
    let bp = &exam.blueprint;
    let existing: HashMap<String, Existing> = sqlx::query!(
        "select q.id, v.content_hash, q.retired_at is not null as \"retired!\"
         from questions q join question_versions v on v.id = q.current_version_id
         where q.exam_code = $1",
        bp.code
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| (r.id, Existing { current_hash: r.content_hash, retired: r.retired }))
    .collect();

    let mut report = SyncReport::default();
    for q in &exam.questions {
        let hash = q.content_hash();
        let domain = bp.domain_of(&q.task).map(|d| d.number as i32).unwrap_or(0);
        match existing.get(&q.id) {
            None => report.added += 1,
            Some(e) if e.current_hash == hash && !e.retired => {
                report.unchanged += 1;
                continue;
            }
            Some(e) => {
                report.restored += usize::from(e.retired);
                report.changed += usize::from(e.current_hash != hash);
            }
        }
        let version_id = version_for(tx, &bp.code, q, &hash, domain).await?;
        sqlx::query!(
            "insert into questions (exam_code, id, current_version_id, task, domain) values ($1, $2, $3, $4, $5)
             on conflict (exam_code, id) do update
             set current_version_id = excluded.current_version_id, task = excluded.task,
                 domain = excluded.domain, retired_at = null",
            bp.code,
            q.id,
            version_id,
            q.task,
            domain
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(report)
}

/// Retires the questions no longer in the files; returns how many.
async fn retire_missing(tx: &mut Transaction<'_, Postgres>, exam: &ExamBank) -> anyhow::Result<usize> {
    let bp = &exam.blueprint;
    let live: Vec<String> = exam.questions.iter().map(|q| q.id.clone()).collect();
    let retired = sqlx::query!(
        "update questions set retired_at = now()
         where exam_code = $1 and retired_at is null and not (id = any($2))",
        bp.code,
        &live
    )
    .execute(&mut **tx)
    .await?;
    Ok(retired.rows_affected() as usize)
}

/// The version row holding exactly this content: an existing one (content reverted to an earlier
/// version) or a new one numbered after the last.
async fn version_for(
    tx: &mut Transaction<'_, Postgres>,
    exam: &str,
    q: &Question,
    hash: &str,
    domain: i32,
) -> anyhow::Result<i64> {
    if let Some(id) = sqlx::query_scalar!(
        "select id from question_versions where exam_code = $1 and question_id = $2 and content_hash = $3",
        exam,
        q.id,
        hash
    )
    .fetch_optional(&mut **tx)
    .await?
    {
        return Ok(id);
    }
    let options = json!(
        q.options
            .iter()
            .map(|o| json!({
                "text_md": o.text,
                "text_html": markdown::render(&o.text),
                "rationale_md": o.rationale,
                "rationale_html": markdown::render(&o.rationale),
            }))
            .collect::<Vec<_>>()
    );
    let correct: Vec<i32> = q.options.iter().enumerate().filter(|(_, o)| o.correct).map(|(i, _)| i as i32).collect();
    let id = sqlx::query_scalar!(
        "insert into question_versions
           (exam_code, question_id, version, content_hash, task, domain, services, difficulty, multiple,
            stem_md, stem_html, explanation_md, explanation_html, options, correct, source_path, references_urls)
         values ($1, $2,
           coalesce((select max(version) from question_versions where exam_code = $1 and question_id = $2), 0) + 1,
           $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         returning id",
        exam,
        q.id,
        hash,
        q.task,
        domain,
        &q.services,
        q.difficulty.as_str(),
        q.is_multiple_response(),
        q.stem,
        markdown::render(&q.stem),
        q.explanation,
        markdown::render(&q.explanation),
        options,
        &correct,
        q.path.display().to_string(),
        &q.references
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}
