//! Pages of the mock exam: dashboard, start, question pages (with autosave), review, submit, results.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::json;
use uuid::Uuid;

use super::finish::{self, Finish};
use super::store::{self, Attempt, ItemState, ItemView, SaveError};
use super::{clock, duration_words};
use crate::bank::Blueprint;
use crate::bank::sync::{ExamSummary, exams, stored_blueprint};
use crate::error::{AppError, AppResult};
use crate::report::LETTERS;
use crate::web::extract::Path;
use crate::web::{AppState, Ctx, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/exams/{code}/start", axum::routing::post(start))
        .route("/attempts/{id}", get(resume))
        .route("/attempts/{id}/q/{n}", get(question).post(answer))
        .route("/attempts/{id}/review", get(review))
        .route("/attempts/{id}/submit", get(confirm_submit).post(submit))
}

// ---------------------------------------------------------------- dashboard

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    ctx: &'a Ctx,
    exams: Vec<ExamSummary>,
    attempts: Vec<store::AttemptRow>,
}

impl HomePage<'_> {
    fn started(&self, a: &store::AttemptRow) -> String {
        a.started_at.format(&time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).unwrap_or_default()
    }
    fn left(&self, a: &store::AttemptRow) -> String {
        duration_words(a.remaining_seconds)
    }
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing<'a> {
    ctx: &'a Ctx,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let Some(user) = &ctx.user else {
        return Ok(render(&Landing { ctx: &ctx })?.into_response());
    };
    let exams = exams(&state.pool).await?;
    let attempts = store::list_for_user(&state.pool, user.id).await?;
    Ok(render(&HomePage { ctx: &ctx, exams, attempts })?.into_response())
}

/// The blueprint an exam was synced with; 404 for an unknown exam.
pub(crate) async fn blueprint(state: &AppState, code: &str) -> AppResult<Blueprint> {
    stored_blueprint(&state.pool, code).await?.ok_or(AppError::NotFound)
}

async fn start(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> AppResult<Response> {
    let user = ctx.user()?;
    let bp = blueprint(&state, &code).await?;
    match store::start(&state.pool, user.id, &bp).await {
        Ok(id) => Ok(Redirect::to(&format!("/attempts/{id}")).into_response()),
        Err(store::StartError::TooSmall(e)) => Err(AppError::Conflict(e.to_string())),
        Err(store::StartError::Db(e)) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- taking the exam

/// Loads the candidate's attempt; an in-progress one past its deadline is finished on the spot.
async fn live_attempt(state: &AppState, ctx: &Ctx, id: Uuid) -> AppResult<Result<(Attempt, Blueprint), Response>> {
    let user = ctx.user()?;
    let attempt = store::load(&state.pool, id, user.id).await?;
    let bp = blueprint(state, &attempt.exam_code).await?;
    if attempt.is_finished() {
        return Ok(Err(Redirect::to(&format!("/attempts/{id}/results")).into_response()));
    }
    if store::is_overdue(&state.pool, id, state.settings.answer_grace).await? {
        finish::finish(&state.pool, id, Some(user.id), Finish::Timeout, &bp).await?;
        ctx.flash("Time is up. Your exam was finished at the deadline with the answers you had saved.").await?;
        return Ok(Err(Redirect::to(&format!("/attempts/{id}/results")).into_response()));
    }
    Ok(Ok((attempt, bp)))
}

async fn resume(State(state): State<AppState>, ctx: Ctx, Path(id): Path<Uuid>) -> AppResult<Response> {
    match live_attempt(&state, &ctx, id).await? {
        Err(redirect) => Ok(redirect),
        Ok((a, _)) => Ok(Redirect::to(&format!("/attempts/{id}/q/{}", a.current_position)).into_response()),
    }
}

struct Progress {
    answered: usize,
    flagged: usize,
    total: usize,
}

fn progress(states: &[ItemState]) -> Progress {
    Progress {
        answered: states.iter().filter(|s| s.answered).count(),
        flagged: states.iter().filter(|s| s.flagged).count(),
        total: states.len(),
    }
}

#[derive(Template)]
#[template(path = "exam/question.html")]
struct QuestionPage<'a> {
    ctx: &'a Ctx,
    attempt: &'a Attempt,
    exam_name: &'a str,
    item: ItemView,
    progress: Progress,
    clock: String,
    time_words: String,
    error: Option<String>,
}

impl QuestionPage<'_> {
    fn letter(&self, i: impl std::borrow::Borrow<usize>) -> char {
        LETTERS.get(*i.borrow()).copied().unwrap_or('?')
    }
    fn is_chosen(&self, i: impl std::borrow::Borrow<usize>) -> bool {
        self.item.chosen.contains(i.borrow())
    }
    fn count_word(&self) -> &'static str {
        ["zero", "one", "TWO", "THREE", "FOUR", "FIVE"].get(self.item.correct_count).copied().unwrap_or("several")
    }
}

async fn question(State(state): State<AppState>, ctx: Ctx, Path((id, n)): Path<(Uuid, i32)>) -> AppResult<Response> {
    let (attempt, bp) = match live_attempt(&state, &ctx, id).await? {
        Ok(v) => v,
        Err(redirect) => return Ok(redirect),
    };
    if n < 1 || n > attempt.question_count {
        return Err(AppError::NotFound);
    }
    store::visit(&state.pool, id, n).await?;
    question_page(&state, &ctx, attempt, &bp, n, None, StatusCode::OK).await
}

async fn question_page(
    state: &AppState,
    ctx: &Ctx,
    attempt: Attempt,
    bp: &Blueprint,
    n: i32,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let item = store::item(&state.pool, attempt.id, n).await?;
    let states = store::states(&state.pool, attempt.id).await?;
    let page = QuestionPage {
        ctx,
        exam_name: &bp.name,
        clock: clock(attempt.remaining_seconds),
        time_words: duration_words(attempt.remaining_seconds),
        attempt: &attempt,
        item,
        progress: progress(&states),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// What the question form sends: chosen options (shown positions), the flag, and where to go next.
#[derive(Debug, Default)]
struct AnswerForm {
    choices: Vec<usize>,
    flagged: bool,
    go: Option<String>,
}

fn parse_answer_form(body: &[u8]) -> Result<AnswerForm, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| "The form could not be read.")?;
    let mut form = AnswerForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "choice" => form.choices.push(v.parse().map_err(|_| "That option is not part of this question.")?),
            "flagged" => form.flagged = v == "on" || v == "true",
            "go" => form.go = Some(v),
            _ => {}
        }
    }
    Ok(form)
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// Saves one question's answer and flag. Scripts post here with `Accept: application/json` the moment
/// an option is chosen; without scripts, the navigation buttons post the same form and follow `go`.
async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, n)): Path<(Uuid, i32)>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let json = wants_json(&headers);
    let attempt = store::load(&state.pool, id, user.id).await?;
    let bp = blueprint(&state, &attempt.exam_code).await?;
    if n < 1 || n > attempt.question_count {
        return Err(AppError::NotFound);
    }
    let form = parse_answer_form(&body).map_err(AppError::BadRequest)?;
    let answer = store::Answer { position: n, chosen: &form.choices, flagged: form.flagged };
    let saved = store::save(&state.pool, id, user.id, answer, state.settings.answer_grace, &bp).await;
    let results = format!("/attempts/{id}/results");
    match saved {
        Ok(()) => {}
        Err(SaveError::Other(e)) => return Err(e),
        Err(e @ SaveError::Invalid(_)) if json => {
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "saved": false, "error": e.to_string() }))).into_response());
        }
        Err(SaveError::Invalid(msg)) => {
            return question_page(&state, &ctx, attempt, &bp, n, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) if json => {
            return Ok((StatusCode::CONFLICT, Json(json!({ "saved": false, "error": e.to_string(), "redirect": results })))
                .into_response());
        }
        Err(e) => return Err(AppError::Conflict(format!("{e} See your results at {results}."))),
    }
    if json {
        let p = progress(&store::states(&state.pool, id).await?);
        return Ok(Json(json!({ "saved": true, "answered": p.answered, "flagged": p.flagged, "total": p.total })).into_response());
    }
    let target = match form.go.as_deref() {
        Some("prev") if n > 1 => format!("/attempts/{id}/q/{}", n - 1),
        Some("next") if n < attempt.question_count => format!("/attempts/{id}/q/{}", n + 1),
        Some("review") | Some("next") => format!("/attempts/{id}/review"),
        Some("submit") => format!("/attempts/{id}/submit"),
        _ => format!("/attempts/{id}/q/{n}"),
    };
    Ok(Redirect::to(&target).into_response())
}

#[derive(Template)]
#[template(path = "exam/review.html")]
struct ReviewPage<'a> {
    ctx: &'a Ctx,
    attempt: &'a Attempt,
    exam_name: &'a str,
    states: Vec<ItemState>,
    progress: Progress,
    clock: String,
    time_words: String,
}

async fn review(State(state): State<AppState>, ctx: Ctx, Path(id): Path<Uuid>) -> AppResult<Response> {
    let (attempt, bp) = match live_attempt(&state, &ctx, id).await? {
        Ok(v) => v,
        Err(redirect) => return Ok(redirect),
    };
    let states = store::states(&state.pool, id).await?;
    let page = ReviewPage {
        ctx: &ctx,
        exam_name: &bp.name,
        clock: clock(attempt.remaining_seconds),
        time_words: duration_words(attempt.remaining_seconds),
        attempt: &attempt,
        progress: progress(&states),
        states,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "exam/submit.html")]
struct SubmitPage<'a> {
    ctx: &'a Ctx,
    attempt: &'a Attempt,
    progress: Progress,
    time_words: String,
}

async fn confirm_submit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<Uuid>) -> AppResult<Response> {
    let (attempt, _) = match live_attempt(&state, &ctx, id).await? {
        Ok(v) => v,
        Err(redirect) => return Ok(redirect),
    };
    let states = store::states(&state.pool, id).await?;
    let page = SubmitPage {
        ctx: &ctx,
        time_words: duration_words(attempt.remaining_seconds),
        attempt: &attempt,
        progress: progress(&states),
    };
    Ok(render(&page)?.into_response())
}

async fn submit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<Uuid>) -> AppResult<Response> {
    let user = ctx.user()?;
    let attempt = store::load(&state.pool, id, user.id).await?;
    let bp = blueprint(&state, &attempt.exam_code).await?;
    // Already finished (double click, second tab, the sweeper): nothing to do, show the results.
    finish::finish(&state.pool, id, Some(user.id), Finish::Submitted, &bp).await?;
    Ok(Redirect::to(&format!("/attempts/{id}/results")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_forms_are_parsed_and_forgeries_refused() {
        let f = parse_answer_form(b"csrf=x&choice=2&choice=0&flagged=on&go=next").unwrap();
        assert_eq!((f.choices, f.flagged, f.go.as_deref()), (vec![2, 0], true, Some("next")));
        let f = parse_answer_form(b"csrf=x").unwrap();
        assert!(f.choices.is_empty() && !f.flagged && f.go.is_none());
        assert!(parse_answer_form(b"choice=abc").is_err());
        assert!(parse_answer_form(b"choice=-1").is_err());
    }
}
