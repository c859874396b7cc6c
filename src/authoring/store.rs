//! The authoring tables: the bank browser's search, a question's versions and record, saves with an
//! optimistic version check, lifecycle changes, GIFT imports, and what an export reads and marks.
//! Every write takes the bank's writer lock (the one the file sync takes) and records who did what.

use std::path::PathBuf;

use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::editor::Other;
use super::{AuthoringError, Lifecycle};
use crate::bank::sync::{Origin, audit_by, insert_version, lock};
use crate::bank::write::to_source;
use crate::bank::{AnswerOption, Difficulty, Question, parse_question};

// ---------------------------------------------------------------- the bank browser

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Words to find in stems and options (web-search syntax: `"a phrase"`, `-not`, `or`).
    pub text: Option<String>,
    pub domain: Option<i32>,
    pub task: Option<String>,
    pub service: Option<String>,
    pub difficulty: Option<String>,
    pub multiple: Option<bool>,
    pub status: Option<String>,
    pub origin: Option<String>,
    /// `task` (default), `id`, `updated`, `difficulty`, `version`, `rank` (best match first).
    pub sort: String,
    pub page: i64,
}

pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub task: String,
    pub version: i32,
    pub difficulty: String,
    pub multiple: bool,
    pub status: String,
    pub origin: String,
    pub services: Vec<String>,
    pub updated_at: OffsetDateTime,
    pub excerpt: String,
}

/// One page of the questions matching `f`, and how many match in all.
pub async fn browse(pool: &PgPool, exam: &str, f: &Filter) -> sqlx::Result<(Vec<Row>, i64)> {
    let rows = sqlx::query!(
        r#"select q.id, q.task, v.version, v.difficulty, v.multiple, q.status, v.origin, v.services, v.created_at,
                  left(v.stem_md, 180) as "excerpt!", count(*) over () as "total!"
           from questions q join question_versions v on v.id = q.current_version_id
           where q.exam_code = $1
             and ($2::text is null or v.search @@ websearch_to_tsquery('english', $2))
             and ($3::int is null or q.domain = $3)
             and ($4::text is null or q.task = $4)
             and ($5::text is null or $5 = any(v.services))
             and ($6::text is null or v.difficulty = $6)
             and ($7::bool is null or v.multiple = $7)
             and ($8::text is null or q.status = $8)
             and ($9::text is null or v.origin = $9)
           order by
             case when $10 = 'rank' and $2::text is not null
                  then ts_rank(v.search, websearch_to_tsquery('english', $2)) end desc nulls last,
             case when $10 = 'updated' then v.created_at end desc,
             case when $10 = 'difficulty' then array_position(array['easy', 'medium', 'hard'], v.difficulty) end,
             case when $10 = 'version' then v.version end desc,
             case when $10 = 'id' then q.id end,
             q.task, q.id
           limit $11 offset $12"#,
        exam,
        f.text,
        f.domain,
        f.task,
        f.service,
        f.difficulty,
        f.multiple,
        f.status,
        f.origin,
        f.sort,
        PAGE_SIZE,
        f.page.max(0) * PAGE_SIZE
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let rows = rows
        .into_iter()
        .map(|r| Row {
            id: r.id,
            task: r.task,
            version: r.version,
            difficulty: r.difficulty,
            multiple: r.multiple,
            status: r.status,
            origin: r.origin,
            services: r.services,
            updated_at: r.created_at,
            excerpt: r.excerpt,
        })
        .collect();
    Ok((rows, total))
}

/// Every service named by a current version of the exam, for the browser's filter.
pub async fn services(pool: &PgPool, exam: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select distinct s as "s!" from questions q join question_versions v on v.id = q.current_version_id,
                  unnest(v.services) s
           where q.exam_code = $1 order by 1"#,
        exam
    )
    .fetch_all(pool)
    .await
}

// ---------------------------------------------------------------- one question

/// A question as the editor opens it: its current version and status.
#[derive(Debug, Clone)]
pub struct Current {
    pub id: String,
    pub status: String,
    pub version_id: i64,
    pub version: i32,
    pub source: String,
    pub file_path: Option<String>,
    pub not_exported: bool,
}

pub async fn current(pool: &PgPool, exam: &str, id: &str) -> sqlx::Result<Option<Current>> {
    let row = sqlx::query!(
        r#"select q.id, q.status, q.file_path, q.file_hash is distinct from v.content_hash as "not_exported!",
                  v.id as version_id, v.version
           from questions q join question_versions v on v.id = q.current_version_id
           where q.exam_code = $1 and q.id = $2"#,
        exam,
        id
    )
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let source = version_source(pool, r.version_id).await?;
    Ok(Some(Current {
        id: r.id,
        status: r.status,
        version_id: r.version_id,
        version: r.version,
        source,
        file_path: r.file_path,
        not_exported: r.not_exported,
    }))
}

/// A version's file text: as saved, or (for versions older than the authoring tables, not yet re-read
/// from their file) written from its fields.
pub async fn version_source(pool: &PgPool, version_id: i64) -> sqlx::Result<String> {
    let row = sqlx::query!(
        r#"select question_id, task, services, difficulty, references_urls, stem_md, options, correct, explanation_md,
                  source_md, source_path
           from question_versions where id = $1"#,
        version_id
    )
    .fetch_one(pool)
    .await?;
    if let Some(source) = row.source_md {
        return Ok(source);
    }
    let q = question_of(QuestionFields {
        id: row.question_id,
        task: row.task,
        services: row.services,
        difficulty: row.difficulty,
        references: row.references_urls,
        stem: row.stem_md,
        options: row.options,
        correct: row.correct,
        explanation: row.explanation_md,
        path: row.source_path,
        source: None,
    });
    Ok(to_source(&q))
}

struct QuestionFields {
    id: String,
    task: String,
    services: Vec<String>,
    difficulty: String,
    references: Vec<String>,
    stem: String,
    options: Value,
    correct: Vec<i32>,
    explanation: String,
    path: String,
    source: Option<String>,
}

fn question_of(f: QuestionFields) -> Question {
    let options = f
        .options
        .as_array()
        .map(|options| {
            options
                .iter()
                .enumerate()
                .map(|(i, o)| AnswerOption {
                    text: o["text_md"].as_str().unwrap_or_default().to_string(),
                    rationale: o["rationale_md"].as_str().unwrap_or_default().to_string(),
                    correct: f.correct.contains(&(i as i32)),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut q = Question {
        id: f.id,
        task: f.task,
        services: f.services,
        difficulty: Difficulty::from_header(&f.difficulty).unwrap_or(Difficulty::Medium),
        references: f.references,
        stem: f.stem,
        options,
        explanation: f.explanation,
        path: PathBuf::from(f.path),
        line: 1,
        source: String::new(),
        pilot: false,
    };
    q.source = f.source.unwrap_or_else(|| to_source(&q));
    q
}

/// The current version of every question with one of `statuses`, as questions (for exports).
pub async fn current_questions(pool: &PgPool, exam: &str, statuses: &[&str]) -> sqlx::Result<Vec<Question>> {
    let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
    let rows = sqlx::query!(
        r#"select q.id, v.task, v.services, v.difficulty, v.references_urls, v.stem_md, v.options, v.correct,
                  v.explanation_md, v.source_md, coalesce(q.file_path, 'questions/' || v.task || '/' || q.id || '.md') as "path!"
           from questions q join question_versions v on v.id = q.current_version_id
           where q.exam_code = $1 and q.status = any($2)
           order by 11"#,
        exam,
        &statuses
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            question_of(QuestionFields {
                id: r.id,
                task: r.task,
                services: r.services,
                difficulty: r.difficulty,
                references: r.references_urls,
                stem: r.stem_md,
                options: r.options,
                correct: r.correct,
                explanation: r.explanation_md,
                path: r.path,
                source: r.source_md,
            })
        })
        .collect())
}

/// Every other question of the exam (id and stem), for the editor's id and near-duplicate checks.
pub async fn others(pool: &PgPool, exam: &str) -> sqlx::Result<Vec<Other>> {
    let rows = sqlx::query!(
        "select q.id, v.stem_md from questions q join question_versions v on v.id = q.current_version_id
         where q.exam_code = $1 order by q.id",
        exam
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| Other { id: r.id, stem: r.stem_md }).collect())
}

#[derive(Debug, Clone)]
pub struct Version {
    pub id: i64,
    pub version: i32,
    pub created_at: OffsetDateTime,
    pub origin: String,
    pub author: Option<String>,
    pub note: String,
}

/// Every version of a question, newest first.
pub async fn versions(pool: &PgPool, exam: &str, id: &str) -> sqlx::Result<Vec<Version>> {
    let rows = sqlx::query!(
        "select v.id, v.version, v.created_at, v.origin, u.email as \"author?\", v.change_note
         from question_versions v left join users u on u.id = v.author_id
         where v.exam_code = $1 and v.question_id = $2 order by v.version desc",
        exam,
        id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Version {
            id: r.id,
            version: r.version,
            created_at: r.created_at,
            origin: r.origin,
            author: r.author,
            note: r.change_note,
        })
        .collect())
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub at: OffsetDateTime,
    pub who: Option<String>,
    pub action: String,
    pub version: Option<i32>,
    pub detail: String,
}

/// The record of every change to a question, newest first.
pub async fn record(pool: &PgPool, exam: &str, id: &str) -> sqlx::Result<Vec<AuditEntry>> {
    let rows = sqlx::query!(
        "select a.at, u.email as \"who?\", a.action, v.version as \"version?\", a.detail
         from authoring_audit a left join users u on u.id = a.user_id
              left join question_versions v on v.id = a.version_id
         where a.exam_code = $1 and a.question_id = $2 order by a.at desc, a.id desc",
        exam,
        id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry { at: r.at, who: r.who, action: r.action, version: r.version, detail: r.detail })
        .collect())
}

/// Questions whose current version is not what their file holds: browser edits not yet exported.
pub async fn not_exported(pool: &PgPool, exam: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "select q.id from questions q join question_versions v on v.id = q.current_version_id
         where q.exam_code = $1 and q.status <> 'retired' and q.file_hash is distinct from v.content_hash
         order by q.id",
        exam
    )
    .fetch_all(pool)
    .await
}

// ---------------------------------------------------------------- changes

/// Saves `q` as the new current version of a question opened at version `base`; refused when another
/// save came first.
pub async fn save_edit(
    pool: &PgPool,
    exam: &str,
    user: Uuid,
    base: i64,
    q: &Question,
    note: &str,
) -> Result<i64, AuthoringError> {
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    let current = lock_current(&mut tx, exam, &q.id).await?;
    if current.version_id != base {
        return Err(AuthoringError::Changed);
    }
    let hash = q.content_hash();
    if current.hash == hash && current.source.as_deref() == Some(q.source.as_str()) {
        return Err(AuthoringError::NoChange);
    }
    let version = insert_version(&mut tx, exam, q, &hash, Origin::Browser, Some(user), note).await?;
    make_current(&mut tx, exam, &q.id, version).await?;
    audit_by(&mut tx, Some(user), exam, &q.id, "edited", Some(version), note).await?;
    tx.commit().await?;
    Ok(version)
}

/// A new question, saved as a draft (not drawn until published).
pub async fn create(pool: &PgPool, exam: &str, user: Uuid, q: &Question, note: &str) -> Result<i64, AuthoringError> {
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    let taken = sqlx::query_scalar!("select 1 as \"one!\" from questions where exam_code = $1 and id = $2", exam, q.id)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(AuthoringError::IdTaken(q.id.clone()));
    }
    let version = insert_new(&mut tx, exam, q, Origin::Browser, Some(user), note, "draft").await?;
    audit_by(&mut tx, Some(user), exam, &q.id, "created", Some(version), note).await?;
    tx.commit().await?;
    Ok(version)
}

async fn insert_new(
    tx: &mut Transaction<'_, Postgres>,
    exam: &str,
    q: &Question,
    origin: Origin,
    user: Option<Uuid>,
    note: &str,
    status: &str,
) -> sqlx::Result<i64> {
    let file_path = format!("questions/{}/{}.md", q.task, q.id);
    let q = Question { path: PathBuf::from(&file_path), ..q.clone() };
    let version = insert_version(tx, exam, &q, &q.content_hash(), origin, user, note).await?;
    sqlx::query!(
        "insert into questions (exam_code, id, current_version_id, task, domain, status, status_by, file_path)
         select $1, $2, v.id, v.task, v.domain, $4, $5, $6 from question_versions v where v.id = $3",
        exam,
        q.id,
        version,
        status,
        user,
        file_path
    )
    .execute(&mut **tx)
    .await?;
    Ok(version)
}

/// Makes version `version_id` of the question current again, as a new version (history only grows).
pub async fn restore(
    pool: &PgPool,
    exam: &str,
    id: &str,
    user: Uuid,
    base: i64,
    version_id: i64,
) -> Result<i64, AuthoringError> {
    let old = sqlx::query!(
        "select version from question_versions where id = $1 and exam_code = $2 and question_id = $3",
        version_id,
        exam,
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AuthoringError::NotFound)?;
    let source = version_source(pool, version_id).await?;
    let current = current(pool, exam, id).await?.ok_or(AuthoringError::NotFound)?;
    let path = PathBuf::from(current.file_path.unwrap_or_else(|| format!("{id}.md")));
    let q = parse_question(&path, &source).map_err(|_| AuthoringError::Unreadable(old.version))?;
    let note = format!("restored version {}", old.version);
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    if lock_current(&mut tx, exam, id).await?.version_id != base {
        return Err(AuthoringError::Changed);
    }
    let version = insert_version(&mut tx, exam, &q, &q.content_hash(), Origin::Browser, Some(user), &note).await?;
    make_current(&mut tx, exam, id, version).await?;
    audit_by(&mut tx, Some(user), exam, id, "restored", Some(version), &note).await?;
    tx.commit().await?;
    Ok(version)
}

/// Moves a question through its lifecycle (see [`Lifecycle`]).
pub async fn set_status(
    pool: &PgPool,
    exam: &str,
    id: &str,
    user: Uuid,
    action: Lifecycle,
) -> Result<(), AuthoringError> {
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    let current = lock_current(&mut tx, exam, id).await?;
    let to = action
        .next(&current.status)
        .ok_or_else(|| AuthoringError::Transition { from: current.status.clone(), action: action.as_str() })?;
    sqlx::query!(
        "update questions set status = $3, status_by = $4 where exam_code = $1 and id = $2",
        exam,
        id,
        to,
        user
    )
    .execute(&mut *tx)
    .await?;
    audit_by(
        &mut tx,
        Some(user),
        exam,
        id,
        action.as_str(),
        Some(current.version_id),
        &format!("{} → {to}", current.status),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// Saves imported questions in one transaction: new ids are added (live), changed ones get a new version.
pub async fn import(
    pool: &PgPool,
    exam: &str,
    user: Option<Uuid>,
    questions: &[Question],
    note: &str,
) -> Result<ImportReport, AuthoringError> {
    let mut tx = pool.begin().await?;
    lock(&mut tx).await?;
    let mut report = ImportReport::default();
    for q in questions {
        let existing = sqlx::query!(
            "select q.current_version_id, v.content_hash from questions q join question_versions v on v.id = q.current_version_id
             where q.exam_code = $1 and q.id = $2 for update of q",
            exam,
            q.id
        )
        .fetch_optional(&mut *tx)
        .await?;
        match existing {
            None => {
                let status = if q.pilot { "pilot" } else { "live" };
                let version = insert_new(&mut tx, exam, q, Origin::Gift, user, note, status).await?;
                audit_by(&mut tx, user, exam, &q.id, "imported", Some(version), note).await?;
                report.added += 1;
            }
            Some(e) if e.content_hash == q.content_hash() => report.unchanged += 1,
            Some(_) => {
                let version = insert_version(&mut tx, exam, q, &q.content_hash(), Origin::Gift, user, note).await?;
                make_current(&mut tx, exam, &q.id, version).await?;
                audit_by(&mut tx, user, exam, &q.id, "imported", Some(version), note).await?;
                report.changed += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(report)
}

/// Records that the files of the given questions now hold their current versions (after an export into
/// the bank folder).
pub async fn mark_exported(pool: &PgPool, exam: &str, files: &[(String, String)]) -> sqlx::Result<()> {
    let (ids, paths): (Vec<String>, Vec<String>) = files.iter().cloned().unzip();
    sqlx::query!(
        "update questions q set file_hash = v.content_hash, file_path = f.path
         from unnest($2::text[], $3::text[]) f(id, path), question_versions v
         where q.exam_code = $1 and q.id = f.id and v.id = q.current_version_id",
        exam,
        &ids,
        &paths
    )
    .execute(pool)
    .await?;
    Ok(())
}

struct Locked {
    version_id: i64,
    hash: String,
    source: Option<String>,
    status: String,
}

async fn lock_current(tx: &mut Transaction<'_, Postgres>, exam: &str, id: &str) -> Result<Locked, AuthoringError> {
    let row = sqlx::query!(
        "select q.current_version_id, q.status, v.content_hash, v.source_md
         from questions q join question_versions v on v.id = q.current_version_id
         where q.exam_code = $1 and q.id = $2 for update of q",
        exam,
        id
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AuthoringError::NotFound)?;
    Ok(Locked { version_id: row.current_version_id, hash: row.content_hash, source: row.source_md, status: row.status })
}

async fn make_current(tx: &mut Transaction<'_, Postgres>, exam: &str, id: &str, version: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update questions set current_version_id = v.id, task = v.task, domain = v.domain
         from question_versions v where v.id = $3 and questions.exam_code = $1 and questions.id = $2",
        exam,
        id,
        version
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
