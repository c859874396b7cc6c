//! Pages of the mock exam: start, question pages (with autosave), review, submit. The results page is
//! the report module's.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::json;
use uuid::Uuid;

use crate::accounts::User;

use super::answers::{self, ItemState, ItemView};
use super::attempt::{self, Attempt};
use super::finish::{self, Finish};
use crate::bank::Blueprint;
use crate::format::{self, clock, duration_words};
use crate::web::error::{AppError, AppResult, JsonError};
use crate::web::extract::Path;
use crate::web::page::wants_json;
use crate::web::{AppState, Ctx, CurrentUser, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exams/{code}/start", axum::routing::post(start))
        .route("/attempts/{id}", get(resume))
        .route("/attempts/{id}/q/{n}", get(question).post(answer))
        .route("/attempts/{id}/review", get(review))
        .route("/attempts/{id}/submit", get(confirm_submit).post(submit))
}

async fn start(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let bp = state.blueprint(&code).await?;
    let id = attempt::start(&state.pool, user.id, &bp).await?;
    Ok(Redirect::to(&format!("/attempts/{id}")).into_response())
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
        format::letter(*i.borrow())
    }
    fn is_chosen(&self, i: impl std::borrow::Borrow<usize>) -> bool {
        self.item.chosen.contains(i.borrow())
    }
    fn count_word(&self) -> &'static str {
        format::count_word(self.item.correct_count)
    }
}

async fn question(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path((id, n)): Path<(Uuid, i32)>,
) -> AppResult<Response> {
    let (attempt, bp) = live_attempt(&state, &ctx, &user, id).await?;
    if n < 1 || n > attempt.question_count {
        return Err(AppError::NotFound);
    }
    answers::visit(&state.pool, id, n).await?;
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
    let item = answers::item(&state.pool, attempt.id, n).await?;
    let states = answers::states(&state.pool, attempt.id).await?;
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

/// Saves one question's answer and flag. Scripts post here with `Accept: application/json` the moment
/// an option is chosen (and get JSON back, errors included); without scripts, the navigation buttons
/// post the same form and follow `go`.
async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path((id, n)): Path<(Uuid, i32)>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let results = format!("/attempts/{id}/results");
    let form = parse_answer_form(&body).map_err(AppError::BadRequest);
    let saved = match form {
        Ok(form) => save_answer(&state, &user, id, n, &form).await.map(|a| (a, form)),
        Err(e) => Err(e),
    };
    if wants_json(&headers) {
        return Ok(match saved {
            Ok(_) => {
                let p = progress(&answers::states(&state.pool, id).await?);
                Json(json!({ "saved": true, "answered": p.answered, "flagged": p.flagged, "total": p.total }))
                    .into_response()
            }
            Err(e @ AppError::Conflict(_)) => JsonError::from(e).with_redirect(results).into_response(),
            Err(e) => JsonError::from(e).into_response(),
        });
    }
    let (attempt, form) = match saved {
        Ok(v) => v,
        Err(AppError::Unprocessable(msg)) => {
            let attempt = attempt::load(&state.pool, id, user.id).await?;
            let bp = state.blueprint(&attempt.exam_code).await?;
            return question_page(&state, &ctx, attempt, &bp, n, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(AppError::Conflict(msg)) => {
            return Err(AppError::Conflict(format!("{msg} See your results at {results}.")));
        }
        Err(e) => return Err(e),
    };
    let target = match form.go.as_deref() {
        Some("prev") if n > 1 => format!("/attempts/{id}/q/{}", n - 1),
        Some("next") if n < attempt.question_count => format!("/attempts/{id}/q/{}", n + 1),
        Some("review") | Some("next") => format!("/attempts/{id}/review"),
        Some("submit") => format!("/attempts/{id}/submit"),
        _ => format!("/attempts/{id}/q/{n}"),
    };
    Ok(Redirect::to(&target).into_response())
}

/// Saves the form's answer to question `n` of the candidate's attempt; the attempt as it was.
async fn save_answer(state: &AppState, user: &User, id: Uuid, n: i32, form: &AnswerForm) -> AppResult<Attempt> {
    let attempt = attempt::load(&state.pool, id, user.id).await?;
    let bp = state.blueprint(&attempt.exam_code).await?;
    if n < 1 || n > attempt.question_count {
        return Err(AppError::NotFound);
    }
    let answer = answers::Answer { position: n, chosen: &form.choices, flagged: form.flagged };
    answers::save(&state.pool, id, user.id, answer, state.settings.answer_grace, &bp).await?;
    Ok(attempt)
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

async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let (attempt, bp) = live_attempt(&state, &ctx, &user, id).await?;
    let states = answers::states(&state.pool, id).await?;
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
