//! Pages of the mock exam: the instructions and start, resume, the review screen and submit. The
//! question pages with their autosave are [`question`]'s; the results page is the report module's.

mod question;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use uuid::Uuid;

use super::answers::{self, ItemState};
use super::attempt::{self, Attempt, Started};
use super::finish::{self, Finish};
use crate::accounts::User;
use crate::bank::Blueprint;
use crate::format::{self, clock, duration_words};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{Form, Path, Query};
use crate::web::{AppState, Ctx, CurrentUser, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exams/{code}/start", get(instructions).post(start))
        .route("/attempts/{id}", get(resume))
        .route("/attempts/{id}/q/{n}", get(question::question).post(question::answer))
        .route("/attempts/{id}/review", get(review))
        .route("/attempts/{id}/submit", get(confirm_submit).post(submit))
}

// ---------------------------------------------------------------- instructions and start

#[derive(Template)]
#[template(path = "exam/instructions.html")]
struct InstructionsPage<'a> {
    ctx: &'a Ctx,
    bp: &'a Blueprint,
    /// The attempt already in progress, if any: the page offers to resume it instead.
    open: Option<Attempt>,
    duration_words: String,
    scored: u32,
    /// Unscored pilot questions this mock will mix in (the blueprint's number, or fewer when the bank has fewer).
    pilots: u32,
    grace_seconds: u64,
}

impl InstructionsPage<'_> {
    fn time_left(&self, a: &Attempt) -> String {
        duration_words(a.remaining_seconds)
    }
    fn started(&self, a: &Attempt) -> String {
        format::date_time(a.started_at)
    }
}

/// The rules before the clock starts; with an attempt in progress, the way back to it.
async fn instructions(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let bp = state.blueprint(&code).await?;
    let open = match attempt::open_attempt(&state.pool, user.id, &bp.code).await? {
        Some(id) => Some(attempt::load(&state.pool, id, user.id).await?),
        None => None,
    };
    let page = InstructionsPage {
        ctx: &ctx,
        duration_words: duration_words(i64::from(bp.duration_minutes) * 60),
        scored: bp.question_count - bp.unscored_questions,
        pilots: (crate::bank::store::pilot_count(&state.pool, &bp.code).await? as u32).min(bp.unscored_questions),
        grace_seconds: state.settings.answer_grace.as_secs(),
        bp: &bp,
        open,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
struct StartForm {
    /// "on" when the candidate asks for the blueprint's extra time.
    extra_time: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
    let bp = state.blueprint(&code).await?;
    let started = attempt::start(&state.pool, user.id, &bp, form.extra_time.is_some()).await?;
    if let Started::Resumed(_) = started {
        ctx.flash("You already had this exam in progress, so it was resumed; its clock kept running.").await?;
    }
    Ok(Redirect::to(&format!("/attempts/{}", started.id())).into_response())
}

// ---------------------------------------------------------------- taking the exam

/// Loads the candidate's open attempt. A finished one redirects to its results; one past its deadline
/// is finished on the spot, then redirects there too.
async fn live_attempt(state: &AppState, ctx: &Ctx, user: &User, id: Uuid) -> AppResult<(Attempt, Blueprint)> {
    let attempt = attempt::load(&state.pool, id, user.id).await?;
    let bp = state.blueprint(&attempt.exam_code).await?;
    let results = format!("/attempts/{id}/results");
    if attempt.is_finished() {
        return Err(AppError::redirect(results));
    }
    if attempt::is_overdue(&state.pool, id, state.settings.answer_grace).await? {
        finish::finish(&state.pool, id, Some(user.id), Finish::Timeout, &bp).await?;
        ctx.flash("Time is up. Your exam was finished at the deadline with the answers you had saved.").await?;
        return Err(AppError::redirect(results));
    }
    Ok((attempt, bp))
}

async fn resume(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let (a, _) = live_attempt(&state, &ctx, &user, id).await?;
    Ok(Redirect::to(&format!("/attempts/{id}/q/{}", a.current_position)).into_response())
}

/// Counts for the exam bar, the review screen and the submit confirmation.
struct Progress {
    answered: usize,
    incomplete: usize,
    unanswered: usize,
    flagged: usize,
    total: usize,
}

fn progress(states: &[ItemState]) -> Progress {
    let answered = states.iter().filter(|s| s.answered).count();
    let incomplete = states.iter().filter(|s| s.incomplete).count();
    Progress {
        answered,
        incomplete,
        unanswered: states.len() - answered - incomplete,
        flagged: states.iter().filter(|s| s.flagged).count(),
        total: states.len(),
    }
}

// ---------------------------------------------------------------- review and submit

#[derive(Deserialize)]
struct ReviewQuery {
    show: Option<String>,
}

#[derive(Template)]
#[template(path = "exam/review.html")]
struct ReviewPage<'a> {
    ctx: &'a Ctx,
    attempt: &'a Attempt,
    exam_name: &'a str,
    states: Vec<ItemState>,
    progress: Progress,
    show: &'a str,
    clock: String,
    time_words: String,
}

impl ReviewPage<'_> {
    fn count_word(&self, n: &usize) -> &'static str {
        format::count_word(*n)
    }
}

/// The review screen's filters.
const REVIEW_FILTERS: [&str; 4] = ["all", "unanswered", "incomplete", "flagged"];

async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<Uuid>,
    Query(q): Query<ReviewQuery>,
) -> AppResult<Response> {
    let (attempt, bp) = live_attempt(&state, &ctx, &user, id).await?;
    let all = answers::states(&state.pool, id).await?;
    let show = REVIEW_FILTERS.into_iter().find(|f| q.show.as_deref() == Some(*f)).unwrap_or("all");
    let progress = progress(&all);
    let states = all
        .into_iter()
        .filter(|s| match show {
            "unanswered" => !s.answered && !s.incomplete,
            "incomplete" => s.incomplete,
            "flagged" => s.flagged,
            _ => true,
        })
        .collect();
    let page = ReviewPage {
        ctx: &ctx,
        exam_name: &bp.name,
        clock: clock(attempt.remaining_seconds),
        time_words: duration_words(attempt.remaining_seconds),
        attempt: &attempt,
        progress,
        show,
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

async fn confirm_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let (attempt, _) = live_attempt(&state, &ctx, &user, id).await?;
    let states = answers::states(&state.pool, id).await?;
    let page = SubmitPage {
        ctx: &ctx,
        time_words: duration_words(attempt.remaining_seconds),
        attempt: &attempt,
        progress: progress(&states),
    };
    Ok(render(&page)?.into_response())
}

async fn submit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let attempt = attempt::load(&state.pool, id, user.id).await?;
    let bp = state.blueprint(&attempt.exam_code).await?;
    // Already finished (double click, second tab, the sweeper): nothing to do, show the results.
    finish::finish(&state.pool, id, Some(user.id), Finish::Submitted, &bp).await?;
    Ok(Redirect::to(&format!("/attempts/{id}/results")).into_response())
}
