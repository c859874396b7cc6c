//! Instructor pages. Every `/instructor` handler takes the `Instructor` extractor: anonymous visitors are
//! sent to sign in, students get 403. Two pages are not the instructors': a candidate's problem report
//! (`POST /reports`, signed in) and the public changelog. Handlers are thin: the rules are in `editor`,
//! `gift`, `problems`, `item_stats` and `store`.

use std::path::{Path as FsPath, PathBuf};

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::diff::{self, Row as DiffRow};
use super::editor::{self, Checked};
use super::store::{self, Filter};
use super::{AuthoringError, Lifecycle, TaskCoverage, analysis, gift, item_stats, problems};
use crate::bank::store::{ExamSummary, exams, stored_blueprint};
use crate::bank::{Blueprint, Diagnostic, markdown};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{Form, Path, Query};
use crate::web::{AppState, Ctx, CurrentUser, Instructor, render};

/// The largest GIFT file the upload takes (the whole shipped bank is about 2 MiB).
pub const GIFT_UPLOAD_LIMIT: usize = 8 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/instructor", get(dashboard))
        .route("/instructor/questions", get(browse))
        .route("/instructor/questions/new", get(new_question).post(save_new))
        .route("/instructor/questions/{id}/edit", get(edit).post(save_edit))
        .route("/instructor/questions/{id}/history", get(history))
        .route("/instructor/questions/{id}/restore", post(restore))
        .route("/instructor/questions/{id}/status", post(set_status))
        .route("/instructor/preview", post(preview))
        .route("/instructor/reports", get(reports_queue))
        .route("/instructor/reports/{id}", post(handle_report))
        .route("/reports", post(submit_report))
        .route("/changelog", get(changelog))
        .route("/instructor/analysis", get(analysis_page))
        .route("/instructor/analysis.csv", get(analysis_csv))
        .route("/instructor/gift", get(gift_page))
        .route("/instructor/gift/export", get(gift_export))
        .route("/instructor/gift/import", post(gift_import).layer(DefaultBodyLimit::max(GIFT_UPLOAD_LIMIT)))
}

#[derive(Deserialize)]
struct ExamQuery {
    exam: Option<String>,
}

/// The exam a page is about: the one named, else the first.
async fn exam_of(state: &AppState, code: Option<&str>) -> AppResult<(Vec<ExamSummary>, Blueprint)> {
    state.exam_or_first(code).await
}

// ---------------------------------------------------------------- dashboard

pub struct ExamView {
    pub summary: ExamSummary,
    pub coverage: Vec<TaskCoverage>,
    pub not_exported: Vec<String>,
    pub open_reports: i64,
    pub auto_quarantined: Vec<String>,
}

#[derive(Template)]
#[template(path = "authoring/dashboard.html")]
struct Dashboard<'a> {
    ctx: &'a Ctx,
    exams: Vec<ExamView>,
}

async fn dashboard(State(state): State<AppState>, ctx: Ctx, _: Instructor) -> AppResult<Response> {
    let mut views = vec![];
    for summary in exams(&state.pool).await? {
        let Some(bp) = stored_blueprint(&state.pool, &summary.code).await? else { continue };
        let (open_reports, auto_quarantined) = problems::dashboard_counts(&state.pool, &summary.code).await?;
        views.push(ExamView {
            open_reports,
            auto_quarantined,
            coverage: super::coverage(&state.pool, &bp).await?,
            not_exported: store::not_exported(&state.pool, &summary.code).await?,
            summary,
        });
    }
    Ok(render(&Dashboard { ctx: &ctx, exams: views })?.into_response())
}

// ---------------------------------------------------------------- the bank browser

#[derive(Deserialize, Default)]
struct BrowseQuery {
    exam: Option<String>,
    q: Option<String>,
    domain: Option<String>,
    task: Option<String>,
    service: Option<String>,
    difficulty: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    origin: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
}

/// An empty form field means "any".
fn given(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

#[derive(Template)]
#[template(path = "authoring/questions.html")]
struct BrowsePage<'a> {
    ctx: &'a Ctx,
    exams: Vec<ExamSummary>,
    exam: Blueprint,
    q: BrowseQuery,
    rows: Vec<store::Row>,
    total: i64,
    page: i64,
    pages: i64,
    coverage: Vec<TaskCoverage>,
    services: Vec<String>,
    /// The query string without `page`, for the pager links.
    base_query: String,
}

impl BrowsePage<'_> {
    fn selected(&self, field: &str, value: &str) -> bool {
        let current = match field {
            "domain" => &self.q.domain,
            "task" => &self.q.task,
            "service" => &self.q.service,
            "difficulty" => &self.q.difficulty,
            "kind" => &self.q.kind,
            "status" => &self.q.status,
            "origin" => &self.q.origin,
            "sort" => &self.q.sort,
            _ => &None,
        };
        current.as_deref() == Some(value)
    }

    fn text(&self) -> &str {
        self.q.q.as_deref().unwrap_or_default()
    }
}

async fn browse(
    State(state): State<AppState>,
    ctx: Ctx,
    _: Instructor,
    Query(q): Query<BrowseQuery>,
) -> AppResult<Response> {
    let (all, bp) = exam_of(&state, q.exam.as_deref()).await?;
    let filter = Filter {
        text: given(&q.q),
        domain: given(&q.domain).and_then(|d| d.parse().ok()),
        task: given(&q.task),
        service: given(&q.service),
        difficulty: given(&q.difficulty),
        multiple: given(&q.kind).map(|k| k == "multiple"),
        status: given(&q.status),
        origin: given(&q.origin),
        sort: given(&q.sort).unwrap_or_else(|| if given(&q.q).is_some() { "rank".into() } else { "task".into() }),
        page: q.page.unwrap_or(1).max(1) - 1,
    };
    let (rows, total) = store::browse(&state.pool, &bp.code, &filter).await?;
    let mut pairs: Vec<(&str, String)> = vec![("exam", bp.code.clone())];
    for (k, v) in [
        ("q", &q.q),
        ("domain", &q.domain),
        ("task", &q.task),
        ("service", &q.service),
        ("difficulty", &q.difficulty),
        ("kind", &q.kind),
        ("status", &q.status),
        ("origin", &q.origin),
        ("sort", &q.sort),
    ] {
        if let Some(v) = given(v) {
            pairs.push((k, v));
        }
    }
    let page = BrowsePage {
        ctx: &ctx,
        exams: all,
        coverage: super::coverage(&state.pool, &bp).await?,
        services: store::services(&state.pool, &bp.code).await?,
        exam: bp,
        rows,
        total,
        page: filter.page + 1,
        pages: (total + store::PAGE_SIZE - 1) / store::PAGE_SIZE,
        base_query: serde_urlencoded::to_string(&pairs).unwrap_or_default(),
        q,
    };
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------- the editor

/// The rendered question, exactly as candidates' pages render it.
pub struct Preview {
    pub stem_html: String,
    pub options: Vec<PreviewOption>,
    pub explanation_html: String,
    pub references: Vec<String>,
    pub multiple: bool,
}

pub struct PreviewOption {
    pub letter: char,
    pub text_html: String,
    pub rationale_html: String,
    pub is_key: bool,
}

/// The validator's messages and the preview for one source text.
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub preview: Option<Preview>,
    pub near_duplicates: Vec<String>,
}

impl Report {
    fn of(checked: &Checked) -> Report {
        let preview = checked.question.as_ref().map(|q| Preview {
            stem_html: markdown::render(&q.stem),
            options: q
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| PreviewOption {
                    letter: crate::format::letter(i),
                    text_html: markdown::render(&o.text),
                    rationale_html: markdown::render(&o.rationale),
                    is_key: o.correct,
                })
                .collect(),
            explanation_html: markdown::render(&q.explanation),
            references: q.references.clone(),
            multiple: q.is_multiple_response(),
        });
        Report { diagnostics: checked.diagnostics.clone(), preview, near_duplicates: checked.near_duplicates.clone() }
    }

    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

#[derive(Template)]
#[template(path = "authoring/editor.html")]
struct EditorPage<'a> {
    ctx: &'a Ctx,
    exam: &'a Blueprint,
    /// None for a new question.
    current: Option<store::Current>,
    source: String,
    note: String,
    report: Option<Report>,
    /// The version the text was opened at (the optimistic check).
    base: i64,
    /// Set when the save was refused because someone else saved first: their version against this text.
    conflict: Option<Vec<DiffRow>>,
    error: Option<String>,
    saved: bool,
    steps: Vec<Lifecycle>,
    /// The question's item analysis (current version), on the page opened from the bank.
    analysis: Option<(item_stats::ItemRow, Vec<String>)>,
}

#[derive(Template)]
#[template(path = "authoring/preview.html")]
struct PreviewFragment<'a> {
    report: &'a Report,
}

#[derive(Deserialize)]
struct NewQuery {
    exam: Option<String>,
    task: Option<String>,
}

async fn new_question(
    State(state): State<AppState>,
    ctx: Ctx,
    _: Instructor,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, q.exam.as_deref()).await?;
    let task = q.task.filter(|t| bp.task(t).is_some()).or_else(|| bp.tasks().next().map(|(_, t)| t.id.clone()));
    let page = EditorPage {
        ctx: &ctx,
        exam: &bp,
        current: None,
        source: editor::template(task.as_deref().unwrap_or_default()),
        note: String::new(),
        report: None,
        base: 0,
        conflict: None,
        error: None,
        saved: false,
        steps: vec![],
        analysis: None,
    };
    Ok(render(&page)?.into_response())
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    _: Instructor,
    Path(id): Path<String>,
    Query(q): Query<EditQuery>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, q.exam.as_deref()).await?;
    let current = store::current(&state.pool, &bp.code, &id).await?.ok_or(AppError::NotFound)?;
    let others = store::others(&state.pool, &bp.code).await?;
    let checked = editor::check(&bp, &source_path(&current), &current.source, Some(&id), &others);
    let page = EditorPage {
        ctx: &ctx,
        exam: &bp,
        source: current.source.clone(),
        note: String::new(),
        report: Some(Report::of(&checked)),
        base: current.version_id,
        conflict: None,
        error: None,
        saved: q.saved.is_some(),
        steps: Lifecycle::open_from(&current.status),
        analysis: question_analysis(&state, &bp.code, &id).await?,
        current: Some(current),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct EditQuery {
    exam: Option<String>,
    saved: Option<String>,
}

/// The item analysis row of a question's current version, with its flags as sentences.
async fn question_analysis(
    state: &AppState,
    exam: &str,
    id: &str,
) -> AppResult<Option<(item_stats::ItemRow, Vec<String>)>> {
    let report = item_stats::report(&state.pool, exam, &item_stats::Options::default()).await?;
    Ok(report.items.into_iter().find(|r| r.question_id == id).map(|r| {
        let sentences = r.stats.sentences();
        (r, sentences)
    }))
}

fn source_path(current: &store::Current) -> PathBuf {
    PathBuf::from(current.file_path.clone().unwrap_or_else(|| format!("{}.md", current.id)))
}

#[derive(Deserialize)]
struct EditForm {
    exam: String,
    source: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    base: i64,
    /// `preview` or `save`.
    #[serde(default)]
    action: String,
    /// Ticked to save despite warnings.
    #[serde(default)]
    confirm: Option<String>,
}

/// What a save of `form` does after the check: refuse (errors, or warnings not confirmed) or go on.
fn may_save(form: &EditForm, checked: &Checked) -> Result<(), String> {
    if form.action != "save" {
        return Err(String::new());
    }
    if checked.has_errors() {
        return Err("Not saved: fix the errors below first.".into());
    }
    if checked.has_warnings() && form.confirm.is_none() {
        return Err(
            "Not saved yet: read the warnings below, then tick “Save despite the warnings” and save again.".into()
        );
    }
    if form.note.trim().is_empty() {
        return Err("Not saved: say in a few words what you changed (the change note).".into());
    }
    Ok(())
}

async fn save_new(
    State(state): State<AppState>,
    ctx: Ctx,
    Instructor(user): Instructor,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, Some(&form.exam)).await?;
    let others = store::others(&state.pool, &bp.code).await?;
    let checked = editor::check(&bp, FsPath::new("new.md"), &form.source, None, &others);
    let refusal = match may_save(&form, &checked) {
        Ok(()) => {
            let q = checked.question.as_ref().expect("no errors");
            match store::create(&state.pool, &bp.code, user.id, q, form.note.trim()).await {
                Ok(_) => {
                    ctx.flash(format!("Question {} saved as a draft: publish it to make it live.", q.id)).await?;
                    let to = format!("/instructor/questions/{}/edit?exam={}", q.id, bp.code);
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(e @ AuthoringError::IdTaken(_)) => e.to_string(),
                Err(e) => return Err(e.into()),
            }
        }
        Err(message) => message,
    };
    let page = EditorPage {
        ctx: &ctx,
        exam: &bp,
        current: None,
        source: form.source.clone(),
        note: form.note.clone(),
        report: Some(Report::of(&checked)),
        base: 0,
        conflict: None,
        error: Some(refusal).filter(|m| !m.is_empty()),
        saved: false,
        steps: vec![],
        analysis: None,
    };
    let status = if form.action == "save" { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

async fn save_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Instructor(user): Instructor,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, Some(&form.exam)).await?;
    let current = store::current(&state.pool, &bp.code, &id).await?.ok_or(AppError::NotFound)?;
    let others = store::others(&state.pool, &bp.code).await?;
    let checked = editor::check(&bp, &source_path(&current), &form.source, Some(&id), &others);
    let mut conflict = None;
    let mut status = StatusCode::OK;
    let refusal = match may_save(&form, &checked) {
        Ok(()) => {
            let mut q = checked.question.clone().expect("no errors");
            q.path = source_path(&current);
            match store::save_edit(&state.pool, &bp.code, user.id, form.base, &q, form.note.trim()).await {
                Ok(_) => {
                    ctx.flash("Saved as a new version.").await?;
                    let to = format!("/instructor/questions/{id}/edit?exam={}&saved=1", bp.code);
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(e @ AuthoringError::Changed) => {
                    // Their version against this text, so nothing typed is lost.
                    let latest = store::current(&state.pool, &bp.code, &id).await?.ok_or(AppError::NotFound)?;
                    conflict = Some(diff::side_by_side(&latest.source, &form.source));
                    status = StatusCode::CONFLICT;
                    format!(
                        "{e} (now version {}). Their version is on the left, your text on the right: \
                         copy what you need, then save again to replace theirs.",
                        latest.version
                    )
                }
                Err(e @ AuthoringError::NoChange) => e.to_string(),
                Err(e) => return Err(e.into()),
            }
        }
        Err(message) => message,
    };
    if form.action == "save" && status == StatusCode::OK {
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    // After a conflict the next save is checked against the version just shown.
    let base = if conflict.is_some() { current.version_id } else { form.base };
    let page = EditorPage {
        ctx: &ctx,
        exam: &bp,
        source: form.source.clone(),
        note: form.note.clone(),
        report: Some(Report::of(&checked)),
        base,
        conflict,
        error: Some(refusal).filter(|m| !m.is_empty()),
        saved: false,
        steps: Lifecycle::open_from(&current.status),
        analysis: None,
        current: Some(current),
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize)]
struct PreviewForm {
    exam: String,
    source: String,
    #[serde(default)]
    id: Option<String>,
}

/// The editor's live preview (fetched by the page's script as the text changes): the same fragment the
/// page shows after *Preview*.
async fn preview(State(state): State<AppState>, _: Instructor, Form(form): Form<PreviewForm>) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, Some(&form.exam)).await?;
    let others = store::others(&state.pool, &bp.code).await?;
    let editing = form.id.as_deref().filter(|id| !id.is_empty());
    let path = editing.map(|id| format!("{id}.md")).unwrap_or_else(|| "new.md".into());
    let checked = editor::check(&bp, FsPath::new(&path), &form.source, editing, &others);
    let report = Report::of(&checked);
    Ok(render(&PreviewFragment { report: &report })?.into_response())
}

// ---------------------------------------------------------------- history, restore, lifecycle

#[derive(Deserialize)]
struct HistoryQuery {
    exam: Option<String>,
    /// Version ids to compare (old, new); default: the previous and the current version.
    a: Option<i64>,
    b: Option<i64>,
}

#[derive(Template)]
#[template(path = "authoring/history.html")]
struct HistoryPage<'a> {
    ctx: &'a Ctx,
    exam: &'a Blueprint,
    current: store::Current,
    versions: Vec<store::Version>,
    record: Vec<store::AuditEntry>,
    a: Option<store::Version>,
    b: Option<store::Version>,
    rows: Vec<DiffRow>,
    changes: usize,
}

async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    _: Instructor,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, q.exam.as_deref()).await?;
    let current = store::current(&state.pool, &bp.code, &id).await?.ok_or(AppError::NotFound)?;
    let versions = store::versions(&state.pool, &bp.code, &id).await?;
    let pick = |wanted: Option<i64>, default: Option<&store::Version>| {
        wanted.and_then(|w| versions.iter().find(|v| v.id == w)).or(default).cloned()
    };
    let b = pick(q.b, versions.iter().find(|v| v.id == current.version_id));
    let a = pick(q.a, versions.iter().find(|v| b.as_ref().is_some_and(|b| v.version < b.version)));
    let rows = match (&a, &b) {
        (Some(a), Some(b)) => diff::side_by_side(
            &store::version_source(&state.pool, a.id).await?,
            &store::version_source(&state.pool, b.id).await?,
        ),
        _ => vec![],
    };
    let page = HistoryPage {
        ctx: &ctx,
        exam: &bp,
        record: store::record(&state.pool, &bp.code, &id).await?,
        changes: diff::changes(&rows),
        current,
        versions,
        a,
        b,
        rows,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct RestoreForm {
    exam: String,
    version: i64,
    base: i64,
}

async fn restore(
    State(state): State<AppState>,
    ctx: Ctx,
    Instructor(user): Instructor,
    Path(id): Path<String>,
    Form(form): Form<RestoreForm>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, Some(&form.exam)).await?;
    store::restore(&state.pool, &bp.code, &id, user.id, form.base, form.version).await?;
    ctx.flash("Restored: the old content is now the newest version.").await?;
    Ok(Redirect::to(&format!("/instructor/questions/{id}/history?exam={}", bp.code)).into_response())
}

#[derive(Deserialize)]
struct StatusForm {
    exam: String,
    step: String,
}

async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Instructor(user): Instructor,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, Some(&form.exam)).await?;
    let step = Lifecycle::parse(&form.step).ok_or_else(|| AppError::BadRequest("There is no such step.".into()))?;
    store::set_status(&state.pool, &bp.code, &id, user.id, step).await?;
    ctx.flash(format!("Question {id}: {}.", step.as_str())).await?;
    Ok(Redirect::to(&format!("/instructor/questions/{id}/edit?exam={}", bp.code)).into_response())
}

// ---------------------------------------------------------------- GIFT

#[derive(Template)]
#[template(path = "authoring/gift.html")]
struct GiftPage<'a> {
    ctx: &'a Ctx,
    exam: &'a Blueprint,
    problems: Vec<Diagnostic>,
    result: Option<store::ImportReport>,
    limit_mib: usize,
}

async fn gift_page(
    State(state): State<AppState>,
    ctx: Ctx,
    _: Instructor,
    Query(q): Query<ExamQuery>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, q.exam.as_deref()).await?;
    let page = GiftPage { ctx: &ctx, exam: &bp, problems: vec![], result: None, limit_mib: GIFT_UPLOAD_LIMIT >> 20 };
    Ok(render(&page)?.into_response())
}

async fn gift_export(State(state): State<AppState>, _: Instructor, Query(q): Query<ExamQuery>) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, q.exam.as_deref()).await?;
    let questions = store::current_questions(&state.pool, &bp.code, &["live", "pilot"]).await?;
    let text = gift::export(&bp, &questions);
    let disposition = format!("attachment; filename=\"{}.gift.txt\"", bp.code.to_lowercase());
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        text,
    )
        .into_response())
}

/// The upload (multipart: `exam`, `file`). Every problem is listed with its line and nothing is saved
/// unless the whole file is valid.
async fn gift_import(
    State(state): State<AppState>,
    ctx: Ctx,
    Instructor(user): Instructor,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let mut exam = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    let unreadable = |_| {
        AppError::BadRequest(format!(
            "The upload could not be read (a GIFT file may be at most {} MiB).",
            GIFT_UPLOAD_LIMIT >> 20
        ))
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("exam") => exam = Some(field.text().await.map_err(unreadable)?),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.gift").to_string();
                file = Some((name, field.bytes().await.map_err(unreadable)?.to_vec()));
            }
            _ => {}
        }
    }
    let (_, bp) = exam_of(&state, exam.as_deref()).await?;
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| AppError::BadRequest("Choose a GIFT file to upload.".into()))?;
    let page =
        |problems, result| GiftPage { ctx: &ctx, exam: &bp, problems, result, limit_mib: GIFT_UPLOAD_LIMIT >> 20 };
    let Ok(text) = String::from_utf8(bytes) else {
        let d = Diagnostic::error(FsPath::new(&name), 0, "the file is not UTF-8 text: save it with UTF-8 encoding");
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(vec![d], None))?).into_response());
    };
    let others = store::others(&state.pool, &bp.code).await?;
    let problems = match gift::import(&bp, FsPath::new(&name), &text) {
        Ok(imported) => {
            let (questions, found) = gift::validate(&bp, FsPath::new(&name), imported, &others);
            if !found.iter().any(Diagnostic::is_error) {
                let note = format!("GIFT import of {name}");
                let report = store::import(&state.pool, &bp.code, Some(user.id), &questions, &note).await?;
                return Ok(render(&page(found, Some(report)))?.into_response());
            }
            found
        }
        Err(problems) => problems,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page(problems, None))?).into_response())
}

// ---------------------------------------------------------------- item analysis

#[derive(Deserialize, Default)]
struct AnalysisQuery {
    exam: Option<String>,
    /// `first` (default) or `all` finished attempts per candidate.
    attempts: Option<String>,
    drills: Option<String>,
    versions: Option<String>,
    min_n: Option<usize>,
    flagged: Option<String>,
    task: Option<String>,
    /// `flags` (default), `facility`, `discrimination`, `n`, `id`.
    sort: Option<String>,
}

impl AnalysisQuery {
    fn options(&self) -> item_stats::Options {
        item_stats::Options {
            all_attempts: self.attempts.as_deref() == Some("all"),
            drills: self.drills.is_some(),
            per_version: self.versions.as_deref() == Some("all"),
            min_n: self.min_n.unwrap_or(analysis::DEFAULT_MIN_N).max(1),
        }
    }
}

/// The report's rows filtered and sorted as asked.
fn analysis_rows(report: &item_stats::Report, q: &AnalysisQuery) -> Vec<item_stats::ItemRow> {
    let mut rows: Vec<item_stats::ItemRow> = report
        .items
        .iter()
        .filter(|r| q.flagged.is_none() || !r.stats.flags.is_empty())
        .filter(|r| given(&q.task).is_none_or(|t| r.task == t))
        .cloned()
        .collect();
    let by = |r: &item_stats::ItemRow| r.stats.discrimination.unwrap_or(f64::INFINITY);
    match q.sort.as_deref().unwrap_or("flags") {
        "facility" => rows.sort_by(|a, b| a.stats.facility.total_cmp(&b.stats.facility)),
        "discrimination" => rows.sort_by(|a, b| by(a).total_cmp(&by(b))),
        "n" => rows.sort_by_key(|r| std::cmp::Reverse(r.stats.n)),
        "id" => rows.sort_by(|a, b| (&a.question_id, a.version).cmp(&(&b.question_id, b.version))),
        _ => rows.sort_by(|a, b| b.stats.flags.len().cmp(&a.stats.flags.len()).then(by(a).total_cmp(&by(b)))),
    }
    rows
}

#[derive(Template)]
#[template(path = "authoring/analysis.html")]
struct AnalysisPage<'a> {
    ctx: &'a Ctx,
    exam: &'a Blueprint,
    q: AnalysisQuery,
    options: item_stats::Options,
    exam_stats: analysis::ExamStats,
    rows: Vec<item_stats::ItemRow>,
    flagged: usize,
    total: usize,
    histogram: Histogram,
    csv_query: String,
}

impl AnalysisPage<'_> {
    fn sentences(&self, row: &item_stats::ItemRow) -> Vec<String> {
        row.stats.sentences()
    }
}

/// The score distribution as SVG bars (drawn on the server).
pub struct Histogram {
    pub bars: Vec<Bar>,
    pub width: u32,
    pub height: u32,
}

pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub label: String,
    pub count: usize,
}

fn histogram(counts: &[usize; 10]) -> Histogram {
    let (width, height, plot) = (400u32, 160u32, 130u32);
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let w = width / 10;
    let bars = counts
        .iter()
        .enumerate()
        .map(|(i, &count)| {
            let h = (count as f64 / max as f64 * f64::from(plot)).round() as u32;
            Bar {
                x: i as u32 * w + 2,
                y: plot - h + 5,
                w: w - 4,
                h,
                label: format!("{}–{} %", i * 10, if i == 9 { 100 } else { i * 10 + 9 }),
                count,
            }
        })
        .collect();
    Histogram { bars, width, height }
}

async fn analysis_page(
    State(state): State<AppState>,
    ctx: Ctx,
    _: Instructor,
    Query(q): Query<AnalysisQuery>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, q.exam.as_deref()).await?;
    let options = q.options();
    let report = item_stats::report(&state.pool, &bp.code, &options).await?;
    let rows = analysis_rows(&report, &q);
    let csv_query = serde_urlencoded::to_string(
        [
            ("exam", Some(bp.code.clone())),
            ("attempts", q.attempts.clone()),
            ("drills", q.drills.clone()),
            ("versions", q.versions.clone()),
            ("min_n", q.min_n.map(|n| n.to_string())),
            ("flagged", q.flagged.clone()),
            ("task", q.task.clone()),
            ("sort", q.sort.clone()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let page = AnalysisPage {
        ctx: &ctx,
        exam: &bp,
        options,
        flagged: report.items.iter().filter(|r| !r.stats.flags.is_empty()).count(),
        total: report.items.len(),
        histogram: histogram(&report.exam.histogram),
        exam_stats: report.exam,
        rows,
        csv_query,
        q,
    };
    Ok(render(&page)?.into_response())
}

async fn analysis_csv(
    State(state): State<AppState>,
    _: Instructor,
    Query(q): Query<AnalysisQuery>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, q.exam.as_deref()).await?;
    let report = item_stats::report(&state.pool, &bp.code, &q.options()).await?;
    let csv = analysis_csv_text(&analysis_rows(&report, &q));
    let disposition = format!("attachment; filename=\"{}-item-analysis.csv\"", bp.code.to_lowercase());
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        csv,
    )
        .into_response())
}

/// The rows as CSV (RFC 4180 quoting); option shares as `A=0.60/0.90/0.20` (all / top / bottom third).
pub fn analysis_csv_text(rows: &[item_stats::ItemRow]) -> String {
    let num = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
    let mut out = String::from(
        "question,version,task,status,n,facility,sd,discrimination,efficiency,median_seconds,guess_share,options,flags\n",
    );
    for r in rows {
        let s = &r.stats;
        let options: Vec<String> = s
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                format!(
                    "{}{}={:.2}/{:.2}/{:.2}",
                    crate::format::letter(i),
                    if o.is_key { "*" } else { "" },
                    o.share,
                    o.top,
                    o.bottom
                )
            })
            .collect();
        let flags: Vec<&str> = s.flags.iter().map(analysis::Flag::code).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{:.3},{:.3},{},{},{},{},{},{}\n",
            crate::format::csv_field(&r.question_id),
            r.version,
            crate::format::csv_field(&r.task),
            r.status,
            s.n,
            s.facility,
            s.sd,
            num(s.discrimination),
            num(s.efficiency),
            num(s.median_seconds),
            num(r.guess_share),
            crate::format::csv_field(&options.join(" ")),
            crate::format::csv_field(&flags.join(" "))
        ));
    }
    out
}

// ---------------------------------------------------------------- problem reports

#[derive(Deserialize)]
struct ReportForm {
    source: String,
    #[serde(rename = "ref")]
    reference: String,
    position: i32,
    #[serde(default)]
    category: String,
    #[serde(default)]
    text: String,
}

#[derive(Template)]
#[template(path = "authoring/report_refused.html")]
struct ReportRefused<'a> {
    ctx: &'a Ctx,
    error: String,
    back: String,
    form: &'a ReportForm,
}

/// A candidate's report. Refusals (too long, too many, already reported) show the text again, so nothing
/// typed is lost.
async fn submit_report(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    let id: uuid::Uuid = form.reference.parse().map_err(|_| AppError::NotFound)?;
    let (source, back) = match form.source.as_str() {
        "mock" => (
            problems::Source::Mock { attempt: id, position: form.position },
            format!("/attempts/{id}/results#q{}", form.position),
        ),
        "drill" => (
            problems::Source::Drill { drill: id, position: form.position },
            format!("/drills/{id}/q/{}#feedback", form.position),
        ),
        _ => return Err(AppError::BadRequest("There is no such place to report from.".into())),
    };
    match problems::submit(&state.pool, user.id, source, problems::Category::parse(&form.category), &form.text).await {
        Ok(_) => {
            ctx.flash("Thank you: your report was sent to the instructors. Its status is on your dashboard.").await?;
            Ok(Redirect::to(&back).into_response())
        }
        Err(problems::ReportError::NotFound) => Err(AppError::NotFound),
        Err(problems::ReportError::Db(e)) => Err(e.into()),
        Err(e) => {
            let status = if matches!(e, problems::ReportError::TooMany) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = ReportRefused { ctx: &ctx, error: e.to_string(), back, form: &form };
            Ok((status, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "authoring/reports.html")]
struct ReportsPage<'a> {
    ctx: &'a Ctx,
    exam: &'a Blueprint,
    reports: Vec<problems::Queued>,
}

async fn reports_queue(
    State(state): State<AppState>,
    ctx: Ctx,
    _: Instructor,
    Query(q): Query<ExamQuery>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, q.exam.as_deref()).await?;
    let reports = problems::queue(&state.pool, &bp.code).await?;
    Ok(render(&ReportsPage { ctx: &ctx, exam: &bp, reports })?.into_response())
}

#[derive(Deserialize)]
struct HandleForm {
    exam: String,
    action: String,
    #[serde(default)]
    reply: String,
}

async fn handle_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Instructor(user): Instructor,
    Path(id): Path<i64>,
    Form(form): Form<HandleForm>,
) -> AppResult<Response> {
    let (_, bp) = exam_of(&state, Some(&form.exam)).await?;
    let handling = problems::Handling::parse(&form.action)
        .ok_or_else(|| AppError::BadRequest("There is no such action.".into()))?;
    match problems::handle(&state.pool, &bp.code, id, user.id, handling, &form.reply).await {
        Ok(()) => ctx.flash("Done: the candidate sees the status and your reply on their dashboard.").await?,
        Err(problems::ReportError::NotFound) => return Err(AppError::NotFound),
        Err(problems::ReportError::Db(e)) => return Err(e.into()),
        Err(e) => ctx.flash(format!("Not done: {e}.")).await?,
    }
    Ok(Redirect::to(&format!("/instructor/reports?exam={}", bp.code)).into_response())
}

#[derive(Template)]
#[template(path = "authoring/changelog.html")]
struct ChangelogPage<'a> {
    ctx: &'a Ctx,
    fixes: Vec<problems::Fix>,
}

/// Public errata: the questions fixed after reports, what changed and when (no keys, no stems).
async fn changelog(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let fixes = problems::changelog(&state.pool).await?;
    Ok(render(&ChangelogPage { ctx: &ctx, fixes })?.into_response())
}
