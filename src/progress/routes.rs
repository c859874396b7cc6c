//! `/progress` (the signed-in candidate's own figures and their answers as CSV), joining and leaving
//! cohorts, and the instructors' cohort pages. A candidate only ever sees their own data: no handler takes
//! a user id from the request.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::model::{self, Readiness};
use super::store::{self, CohortError};
use super::view::{self, Area, Missed, Progress};
use crate::bank::Blueprint;
use crate::bank::store::exams;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{Form, Path, Query};
use crate::web::{AppState, Ctx, CurrentUser, Instructor, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/progress", get(progress))
        .route("/progress/answers.csv", get(answers_csv))
        .route("/cohorts/join", get(join_page).post(join))
        .route("/cohorts/{id}/leave", post(leave))
        .route("/instructor/cohorts", get(cohorts).post(create_cohort))
        .route("/instructor/cohorts/{id}", get(cohort))
}

impl From<CohortError> for AppError {
    fn from(e: CohortError) -> Self {
        match e {
            CohortError::NotFound => AppError::NotFound,
            e @ (CohortError::UnknownCode(_) | CohortError::BadName) => AppError::Unprocessable(e.to_string()),
            CohortError::Db(e) => e.into(),
        }
    }
}

#[derive(Deserialize)]
struct ExamQuery {
    exam: Option<String>,
}

async fn exam_of(state: &AppState, code: Option<&str>) -> AppResult<Blueprint> {
    Ok(state.exam_or_first(code).await?.1)
}

/// Percentile shown from this many candidates with a finished mock.
pub const PERCENTILE_MIN: i64 = 30;

#[derive(Template)]
#[template(path = "progress/progress.html")]
struct ProgressPage<'a> {
    ctx: &'a Ctx,
    exam: &'a Blueprint,
    p: Progress,
    coverage: Vec<(String, i64, i64)>,
    due: i64,
    percentile: Option<(f64, i64)>,
    percentile_min: i64,
}

impl ProgressPage<'_> {
    fn dt(&self, t: &OffsetDateTime) -> String {
        crate::format::date_time(*t)
    }
}

async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ExamQuery>,
) -> AppResult<Response> {
    let bp = exam_of(&state, q.exam.as_deref()).await?;
    let mocks = store::mocks(&state.pool, user.id, &bp.code).await?;
    let rows = store::answers(&state.pool, user.id, &bp.code).await?;
    let p = view::progress(&bp, &mocks, &rows, OffsetDateTime::now_utc());
    let coverage = store::coverage(&state.pool, user.id, &bp.code)
        .await?
        .into_iter()
        .map(|(d, seen, total)| {
            let title = bp.domains.iter().find(|x| x.number as i32 == d).map(|x| format!("{d}. {}", x.title));
            (title.unwrap_or_else(|| d.to_string()), seen, total)
        })
        .collect();
    let due = crate::drill::store::due_counts(&state.pool, user.id)
        .await?
        .into_iter()
        .find(|(e, _)| *e == bp.code)
        .map_or(0, |(_, n)| n);
    let percentile = store::percentile(&state.pool, user.id, &bp.code).await?.filter(|(_, n)| *n >= PERCENTILE_MIN);
    let page = ProgressPage { ctx: &ctx, exam: &bp, p, coverage, due, percentile, percentile_min: PERCENTILE_MIN };
    Ok(render(&page)?.into_response())
}

/// The dashboard's summary for one exam: the chance of passing, or what is still missing; None before any
/// answer.
pub async fn readiness_summary(state: &AppState, user: Uuid, exam: &str) -> AppResult<Option<Result<f64, String>>> {
    let rows = store::answers(&state.pool, user, exam).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let bp = state.blueprint(exam).await?;
    let mocks = store::mocks(&state.pool, user, exam).await?;
    let refs: Vec<&store::AnswerRow> = rows.iter().collect();
    let now = OffsetDateTime::now_utc();
    Ok(Some(
        model::enough_evidence(mocks.len(), rows.len())
            .map(|()| model::readiness(&bp, &view::by_task(&bp, &refs, now), 1).pass_probability),
    ))
}

/// Every one of the candidate's own answers, as CSV.
async fn answers_csv(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ExamQuery>,
) -> AppResult<Response> {
    let bp = exam_of(&state, q.exam.as_deref()).await?;
    let rows = store::answers(&state.pool, user.id, &bp.code).await?;
    let mut csv = String::from("source,answered_at,question,version,task,services,correct,chosen,seconds\n");
    for r in &rows {
        let chosen: Vec<String> = r.chosen.iter().map(|&c| crate::format::letter(c as usize).to_string()).collect();
        let at = r.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            r.source,
            at,
            crate::format::csv_field(&r.question_id),
            r.version,
            crate::format::csv_field(&r.task),
            crate::format::csv_field(&r.services.join("; ")),
            r.correct,
            crate::format::csv_field(&chosen.join(" ")),
            r.seconds
        ));
    }
    let disposition = format!("attachment; filename=\"my-answers-{}.csv\"", bp.code.to_lowercase());
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        csv,
    )
        .into_response())
}

// ---------------------------------------------------------------- joining and leaving

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "progress/join.html")]
struct JoinPage<'a> {
    ctx: &'a Ctx,
    code: String,
    error: Option<String>,
}

/// The invite link: a form to confirm (joining changes data, so it is a POST).
async fn join_page(ctx: Ctx, _: CurrentUser, Query(q): Query<CodeQuery>) -> AppResult<Response> {
    Ok(render(&JoinPage { ctx: &ctx, code: q.code.unwrap_or_default(), error: None })?.into_response())
}

#[derive(Deserialize)]
struct JoinForm {
    #[serde(default)]
    code: String,
}

async fn join(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<JoinForm>,
) -> AppResult<Response> {
    match store::join(&state.pool, user.id, &form.code).await {
        Ok(c) => {
            ctx.flash(format!("You joined the cohort {}. Its instructors now see your progress.", c.name)).await?;
            Ok(Redirect::to("/").into_response())
        }
        Err(e @ CohortError::UnknownCode(_)) => {
            let page = JoinPage { ctx: &ctx, code: form.code.clone(), error: Some(e.to_string()) };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn leave(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    if !store::leave(&state.pool, user.id, id).await? {
        return Err(AppError::NotFound);
    }
    ctx.flash("You left the cohort; its instructors no longer see your progress.").await?;
    Ok(Redirect::to("/").into_response())
}

// ---------------------------------------------------------------- the instructors' pages

#[derive(Template)]
#[template(path = "progress/cohorts.html")]
struct CohortsPage<'a> {
    ctx: &'a Ctx,
    cohorts: Vec<store::Cohort>,
    exams: Vec<crate::bank::store::ExamSummary>,
    error: Option<String>,
}

async fn cohorts(State(state): State<AppState>, ctx: Ctx, Instructor(user): Instructor) -> AppResult<Response> {
    let cohorts = store::instructor_cohorts(&state.pool, user.id).await?;
    let exams = exams(&state.pool).await?;
    Ok(render(&CohortsPage { ctx: &ctx, cohorts, exams, error: None })?.into_response())
}

#[derive(Deserialize)]
struct CreateForm {
    exam: String,
    #[serde(default)]
    name: String,
}

async fn create_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    Instructor(user): Instructor,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    let bp = exam_of(&state, Some(&form.exam)).await?;
    match store::create_cohort(&state.pool, user.id, &bp.code, &form.name).await {
        Ok(c) => Ok(Redirect::to(&format!("/instructor/cohorts/{}", c.id)).into_response()),
        Err(e @ CohortError::BadName) => {
            let page = CohortsPage {
                ctx: &ctx,
                cohorts: store::instructor_cohorts(&state.pool, user.id).await?,
                exams: exams(&state.pool).await?,
                error: Some(e.to_string()),
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// One member's row on the cohort page.
pub struct MemberRow {
    pub member: store::Member,
    pub readiness: Result<Readiness, String>,
}

#[derive(Template)]
#[template(path = "progress/cohort.html")]
struct CohortPage<'a> {
    ctx: &'a Ctx,
    cohort: store::Cohort,
    members: Vec<MemberRow>,
    tasks: Vec<Area>,
    services: Vec<Area>,
    missed: Vec<Missed>,
    invite: String,
}

impl CohortPage<'_> {
    fn date(&self, t: &Option<OffsetDateTime>) -> String {
        t.map(crate::format::date_time).unwrap_or_else(|| "—".into())
    }
    fn dt(&self, t: &OffsetDateTime) -> String {
        crate::format::date_time(*t)
    }
}

async fn cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    Instructor(user): Instructor,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let cohort = store::cohort_for(&state.pool, id, user.id).await?;
    let bp = state.blueprint(&cohort.exam_code).await?;
    let members = store::members(&state.pool, id, &bp.code).await?;
    let answers = store::cohort_answers(&state.pool, id, &bp.code).await?;
    let now = OffsetDateTime::now_utc();
    let mut by_user: HashMap<Uuid, Vec<&store::AnswerRow>> = HashMap::new();
    for (u, r) in &answers {
        by_user.entry(*u).or_default().push(r);
    }
    let rows = members
        .into_iter()
        .map(|m| {
            let mine = by_user.get(&m.user_id).map(Vec::as_slice).unwrap_or_default();
            let readiness = model::enough_evidence(m.mocks as usize, mine.len()).map(|()| {
                model::readiness_simulated(&bp, &view::by_task(&bp, mine, now), 1, model::COHORT_SIMULATIONS)
            });
            MemberRow { member: m, readiness }
        })
        .collect();
    let all: Vec<&store::AnswerRow> = answers.iter().map(|(_, r)| r).collect();
    let (_, tasks, services) = view::areas(&bp, &all, now);
    let missed = view::most_missed(&all, 3, 10);
    let invite = format!("/cohorts/join?code={}", cohort.code);
    let page = CohortPage { ctx: &ctx, members: rows, tasks, services, missed, invite, cohort };
    Ok(render(&page)?.into_response())
}
