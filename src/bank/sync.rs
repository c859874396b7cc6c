//! Sync of the question files into PostgreSQL, which holds the live bank (the files stay the review
//! format; instructors also edit in the browser, see `authoring`).
//!
//! Every version of every question is kept: a file whose content (its content hash) is new becomes a new
//! current version; old versions stay for the attempts that used them. A browser edit is never silently
//! overwritten: a file whose content equals an *older* version of a question that has a newer browser
//! (or GIFT) version is skipped and reported, until the bank is exported. At start-up ([`sync`]) a
//! question whose file disappeared is retired, and restored when the file comes back; an import from
//! another folder ([`import`]) only adds and updates. A status an instructor set (draft, quarantined,
//! retired) is never changed by a file; a file's `status = "pilot"` makes (or keeps) its question a pilot. Each exam syncs in one transaction under an advisory lock, so app
//! processes starting together cannot interleave.

use std::collections::HashMap;
use std::fmt;

use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::{Bank, ExamBank, Question, markdown};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub retired: usize,
    pub restored: usize,
    /// Files that hold an older content of a question edited in the browser since: `id (path)`.
    pub skipped: Vec<String>,
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} changed, {} unchanged, {} retired, {} restored",
            self.added, self.changed, self.unchanged, self.retired, self.restored
        )?;
        if !self.skipped.is_empty() {
            write!(
                f,
                "; {} skipped because the question has newer browser edits not yet exported \
                 (run `mockexam bank export`): {}",
                self.skipped.len(),
                self.skipped.join(", ")
            )?;
        }
        Ok(())
    }
}

impl SyncReport {
    fn add(&mut self, other: SyncReport) {
        self.added += other.added;
        self.changed += other.changed;
        self.unchanged += other.unchanged;
        self.retired += other.retired;
        self.restored += other.restored;
        self.skipped.extend(other.skipped);
    }
}

/// Where a version came from (`question_versions.origin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    File,
    Browser,
    Gift,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::File => "file",
            Origin::Browser => "browser",
            Origin::Gift => "gift",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The bank folder at start-up: questions whose files vanished are retired.
    Full,
    /// Another folder: add and update only.
    Import,
}

/// Start-up sync of the bank folder.
pub async fn sync(pool: &PgPool, bank: &Bank) -> anyhow::Result<SyncReport> {
    run(pool, bank, Mode::Full).await
}

/// `mockexam bank import DIR`: takes every file whose content is new, retires nothing.
pub async fn import(pool: &PgPool, bank: &Bank) -> anyhow::Result<SyncReport> {
    run(pool, bank, Mode::Import).await
}

async fn run(pool: &PgPool, bank: &Bank, mode: Mode) -> anyhow::Result<SyncReport> {
    let mut total = SyncReport::default();
    for exam in &bank.exams {
        let mut tx = pool.begin().await?;
        lock(&mut tx).await?;
        upsert_exam(&mut tx, exam, mode).await?;
        total.add(sync_questions(&mut tx, exam).await?);
        if mode == Mode::Full {
            total.retired += retire_missing(&mut tx, exam).await?;
        }
        tx.commit().await?;
    }
    Ok(total)
}

/// The bank's one writer lock (sync, import, browser saves of a new question), held to the end of `tx`.
pub async fn lock(tx: &mut Transaction<'_, Postgres>) -> sqlx::Result<()> {
    sqlx::query!("select pg_advisory_xact_lock(7202611)").execute(&mut **tx).await?;
    Ok(())
}

/// The exam row with the blueprint attempts are assembled and scored by, and (from the bank folder) the
/// folder's name and blueprint text an export writes back.
async fn upsert_exam(tx: &mut Transaction<'_, Postgres>, exam: &ExamBank, mode: Mode) -> anyhow::Result<()> {
    let bp = &exam.blueprint;
    let dir_name = exam.dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let full = mode == Mode::Full;
    sqlx::query!(
        "insert into exams (code, name, blueprint, dir_name, blueprint_toml) values ($1, $2, $3, $4, $5)
         on conflict (code) do update set name = excluded.name, blueprint = excluded.blueprint, synced_at = now(),
             dir_name = case when $6 then excluded.dir_name else coalesce(exams.dir_name, excluded.dir_name) end,
             blueprint_toml = case when $6 then excluded.blueprint_toml
                                   else coalesce(exams.blueprint_toml, excluded.blueprint_toml) end",
        bp.code,
        bp.name,
        serde_json::to_value(bp)?,
        dir_name,
        exam.blueprint_source,
        full
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

struct Existing {
    current_id: i64,
    current_hash: String,
    current_source: Option<String>,
    status: String,
    status_by: Option<Uuid>,
    file_path: Option<String>,
    file_hash: Option<String>,
}

/// Adds new questions, and a new current version for each whose content is new.
async fn sync_questions(tx: &mut Transaction<'_, Postgres>, exam: &ExamBank) -> anyhow::Result<SyncReport> {
    let bp = &exam.blueprint;
    let existing: HashMap<String, Existing> = sqlx::query!(
        "select q.id, q.current_version_id, v.content_hash, v.source_md, q.status, q.status_by, q.file_path,
                q.file_hash
         from questions q join question_versions v on v.id = q.current_version_id
         where q.exam_code = $1",
        bp.code
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        let e = Existing {
            current_id: r.current_version_id,
            current_hash: r.content_hash,
            current_source: r.source_md,
            status: r.status,
            status_by: r.status_by,
            file_path: r.file_path,
            file_hash: r.file_hash,
        };
        (r.id, e)
    })
    .collect();

    let mut report = SyncReport::default();
    for q in &exam.questions {
        let hash = q.content_hash();
        let file_path = relative_path(exam, q);
        let Some(e) = existing.get(&q.id) else {
            let version = insert_version(tx, &bp.code, q, &hash, Origin::File, None, "").await?;
            sqlx::query!(
                "insert into questions (exam_code, id, current_version_id, task, domain, status, file_path, file_hash)
                 values ($1, $2, $3, $4, $5, $8, $6, $7)",
                bp.code,
                q.id,
                version,
                q.task,
                domain(exam, q),
                file_path,
                hash,
                file_status(q)
            )
            .execute(&mut **tx)
            .await?;
            audit_by(tx, None, &bp.code, &q.id, "added", Some(version), &file_path).await?;
            report.added += 1;
            continue;
        };
        // Retired because its file had gone (not by an instructor): the file is back, so is the question.
        let restore = e.status == "retired" && e.status_by.is_none();
        let mut version = e.current_id;
        if e.current_hash == hash {
            // Same content; a whitespace-only change to the file is taken as the version's source text.
            if e.current_source.as_deref() != Some(q.source.as_str()) {
                sqlx::query!("update question_versions set source_md = $2 where id = $1", e.current_id, q.source)
                    .execute(&mut **tx)
                    .await?;
            }
            report.unchanged += usize::from(!restore);
        } else if has_newer_edit(tx, &bp.code, &q.id, &hash).await? {
            report.skipped.push(format!("{} ({})", q.id, q.path.display()));
        } else {
            version = insert_version(tx, &bp.code, q, &hash, Origin::File, None, "").await?;
            audit_by(tx, None, &bp.code, &q.id, "changed", Some(version), &file_path).await?;
            report.changed += 1;
        }
        if restore {
            audit_by(tx, None, &bp.code, &q.id, "restored", Some(version), "its file is back").await?;
            report.restored += 1;
        }
        let same_file = e.file_path.as_deref() == Some(file_path.as_str()) && e.file_hash.as_deref() == Some(&hash);
        // The file's pilot flag decides between pilot and live, unless an instructor set the status.
        let file_decides = e.status_by.is_none() && matches!(e.status.as_str(), "live" | "pilot");
        let same_status = !file_decides || e.status == file_status(q);
        if version == e.current_id && !restore && same_file && same_status {
            continue;
        }
        sqlx::query!(
            "update questions set current_version_id = $3, task = v.task, domain = v.domain, file_path = $4,
                 file_hash = $5,
                 status = case when $6 then $7
                               when status_by is null and status in ('live', 'pilot') then $7
                               else status end
             from question_versions v where v.id = $3 and questions.exam_code = $1 and questions.id = $2",
            bp.code,
            q.id,
            version,
            file_path,
            hash,
            restore,
            file_status(q)
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(report)
}

/// Whether the file's content equals an older version of the question, after which the question was
/// edited in the browser (or imported from GIFT): then the file is stale and must not win.
async fn has_newer_edit(tx: &mut Transaction<'_, Postgres>, exam: &str, id: &str, hash: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (
             select 1 from question_versions b
             where b.exam_code = $1 and b.question_id = $2 and b.origin <> 'file'
               and b.version > (select max(m.version) from question_versions m
                                where m.exam_code = $1 and m.question_id = $2 and m.content_hash = $3)
           ) as "newer!""#,
        exam,
        id,
        hash
    )
    .fetch_one(&mut **tx)
    .await
}

/// Retires the questions whose files are gone (those that never had a file, made in the browser and not
/// yet exported, stay); returns how many.
async fn retire_missing(tx: &mut Transaction<'_, Postgres>, exam: &ExamBank) -> anyhow::Result<usize> {
    let bp = &exam.blueprint;
    let present: Vec<String> = exam.questions.iter().map(|q| q.id.clone()).collect();
    let retired = sqlx::query_scalar!(
        "update questions set status = 'retired', status_by = null
         where exam_code = $1 and status <> 'retired' and file_hash is not null and not (id = any($2))
         returning id",
        bp.code,
        &present
    )
    .fetch_all(&mut **tx)
    .await?;
    for id in &retired {
        audit_by(tx, None, &bp.code, id, "retired", None, "its file was removed").await?;
    }
    Ok(retired.len())
}

/// The status a file gives its question: `pilot` when its header says so, else `live`.
fn file_status(q: &Question) -> &'static str {
    if q.pilot { "pilot" } else { "live" }
}

fn domain(exam: &ExamBank, q: &Question) -> i32 {
    exam.blueprint.domain_of(&q.task).map(|d| d.number as i32).unwrap_or(0)
}

/// The file's path inside its exam folder (`questions/<task>/<id>.md`), with `/` on every platform.
fn relative_path(exam: &ExamBank, q: &Question) -> String {
    let rel = q.path.strip_prefix(&exam.dir).unwrap_or(&q.path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// A new version row holding this content, numbered after the last; returns its id. The caller makes it
/// current.
pub async fn insert_version(
    tx: &mut Transaction<'_, Postgres>,
    exam: &str,
    q: &Question,
    hash: &str,
    origin: Origin,
    author: Option<Uuid>,
    note: &str,
) -> sqlx::Result<i64> {
    let domain = sqlx::query_scalar!(
        r#"select coalesce((select (d ->> 'number')::int from exams e, jsonb_array_elements(e.blueprint -> 'domains') d
                            where e.code = $1 and exists (select 1 from jsonb_array_elements(d -> 'tasks') t
                                                          where t ->> 'id' = $2)), 0) as "domain!""#,
        exam,
        q.task
    )
    .fetch_one(&mut **tx)
    .await?;
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
    sqlx::query_scalar!(
        "insert into question_versions
           (exam_code, question_id, version, content_hash, task, domain, services, difficulty, multiple,
            stem_md, stem_html, explanation_md, explanation_html, options, correct, source_path, references_urls,
            source_md, origin, author_id, change_note)
         values ($1, $2,
           coalesce((select max(version) from question_versions where exam_code = $1 and question_id = $2), 0) + 1,
           $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
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
        &q.references,
        q.source,
        origin.as_str(),
        author,
        note
    )
    .fetch_one(&mut **tx)
    .await
}

/// One line of the authoring record (who, what, when); `user` none for the file sync.
pub async fn audit_by(
    tx: &mut Transaction<'_, Postgres>,
    user: Option<Uuid>,
    exam: &str,
    id: &str,
    action: &str,
    version: Option<i64>,
    detail: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into authoring_audit (user_id, exam_code, question_id, action, version_id, detail)
         values ($1, $2, $3, $4, $5, $6)",
        user,
        exam,
        id,
        action,
        version,
        detail
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
