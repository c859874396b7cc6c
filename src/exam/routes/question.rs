//! One question of a running mock, and saving its answer. Scripts save the moment an option is chosen
//! (JSON); without scripts, the navigation buttons post the same form. Each save carries the revision the
//! page showed, so a stale tab is told about the newer answer instead of overwriting it.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use uuid::Uuid;

use super::{Progress, live_attempt, progress};
use crate::accounts::User;
use crate::bank::Blueprint;
use crate::exam::ExamError;
use crate::exam::answers::{self, ItemView};
use crate::exam::attempt::{self, Attempt};
use crate::exam::hot::{self, Fast};
use crate::format::{self, clock, duration_words};
use crate::web::error::{AppError, AppResult, JsonError};
use crate::web::extract::Path;
use crate::web::page::SessionCtx;
use crate::web::page::wants_json;
use crate::web::{AppState, Ctx, render};

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
    fn incomplete_text(&self) -> String {
        incomplete_message(self.item.chosen.len(), self.item.correct_count)
    }
}

/// "You chose 3; this question needs TWO." for an incomplete multiple-response answer.
pub fn incomplete_message(chosen: usize, needed: usize) -> String {
    format!(
        "You chose {chosen}; this question needs {}. It is saved, but it can only score with exactly {} chosen.",
        format::count_word(needed),
        format::count_word(needed)
    )
}

/// The question page: one statement in the common case ([`hot::open_page`]), else the ordinary path,
/// which finds out what is unusual (signed out, finished, overdue, no such question) and answers it.
pub(super) async fn question(
    State(state): State<AppState>,
    SessionCtx { mut ctx, login }: SessionCtx,
    Path((id, n)): Path<(Uuid, i32)>,
) -> AppResult<Response> {
    let Some(login) = login else { return Err(AppError::SignInRequired { next: ctx.path.clone() }) };
    if let Fast::Done(page) =
        hot::open_page(&state.pool, &state.layouts, login, id, n, state.settings.answer_grace).await?
    {
        ctx.session.keep_alive().await?;
        let bp = state.blueprint(&page.attempt.exam_code).await?;
        ctx.user = Some(page.user);
        let view = QuestionPage {
            ctx: &ctx,
            exam_name: &bp.name,
            clock: clock(page.attempt.remaining_seconds),
            time_words: duration_words(page.attempt.remaining_seconds),
            attempt: &page.attempt,
            item: page.item,
            progress: progress(&page.states),
            error: None,
        };
        return Ok(render(&view)?.into_response());
    }
    let Some(user) = crate::accounts::find_by_login(&state.pool, login).await? else {
        return Err(AppError::SignInRequired { next: ctx.path.clone() });
    };
    ctx.user = Some(user.clone());
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

/// What the question form sends: chosen options (shown positions), the flag, the revision the page
/// showed, and where to go next.
#[derive(Debug, Default)]
struct AnswerForm {
    choices: Vec<usize>,
    flagged: bool,
    revision: Option<i32>,
    go: Option<String>,
}

fn parse_answer_form(body: &[u8]) -> Result<AnswerForm, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| "The form could not be read.")?;
    let mut form = AnswerForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "choice" => form.choices.push(answers::parse_choice(&v)?),
            "flagged" => form.flagged = v == "on" || v == "true",
            "revision" => form.revision = Some(v.parse().map_err(|_| "The form could not be read.")?),
            "go" => form.go = Some(v),
            _ => {}
        }
    }
    Ok(form)
}

/// Saves one question's answer and flag; see the module comment.
pub(super) async fn answer(
    State(state): State<AppState>,
    SessionCtx { mut ctx, login }: SessionCtx,
    Path((id, n)): Path<(Uuid, i32)>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let results = format!("/attempts/{id}/results");
    // Only a form counts as an answer: a JSON or multipart body would read as "nothing chosen" and
    // clear the saved answer.
    let is_form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        let e = AppError::UnsupportedMediaType;
        return Ok(if wants_json(&headers) { JsonError::from(e).into_response() } else { e.into_response() });
    }
    // Scripts' saves: one statement in the common case; anything unusual takes the ordinary path.
    if wants_json(&headers)
        && let Ok(form) = parse_answer_form(&body)
        && let Some(login) = login
    {
        let grace = state.settings.answer_grace;
        let fast =
            hot::save(&state.pool, &state.layouts, login, id, n, &form.choices, form.flagged, form.revision, grace)
                .await?;
        if let Fast::Done(saved) = fast {
            ctx.session.keep_alive().await?;
            let p = progress(&saved.states);
            return Ok(Json(json!({
                "saved": true, "revision": saved.revision, "answered": p.answered, "incomplete": p.incomplete,
                "flagged": p.flagged, "total": p.total
            }))
            .into_response());
        }
    }
    let user = match login {
        Some(login) => crate::accounts::find_by_login(&state.pool, login).await?,
        None => None,
    };
    let Some(user) = user else {
        let e = AppError::SignInRequired { next: format!("/attempts/{id}/q/{n}") };
        return Ok(if wants_json(&headers) { JsonError::from(e).into_response() } else { e.into_response() });
    };
    ctx.user = Some(user.clone());
    let saved = match parse_answer_form(&body) {
        Ok(form) => save_answer(&state, &user, id, n, &form).await.map(|(a, revision)| (a, revision, form)),
        Err(msg) => Err(ExamError::InvalidAnswer(msg)),
    };
    if wants_json(&headers) {
        return Ok(match saved {
            Ok((_, revision, _)) => {
                let p = progress(&answers::states(&state.pool, id).await?);
                Json(json!({
                    "saved": true, "revision": revision, "answered": p.answered, "incomplete": p.incomplete,
                    "flagged": p.flagged, "total": p.total
                }))
                .into_response()
            }
            Err(ExamError::Stale) => {
                // Tell the stale page what the newer answer is, so it can show it.
                let item = answers::item(&state.pool, id, n).await?;
                let body = json!({
                    "saved": false, "stale": true, "error": ExamError::Stale.to_string(),
                    "chosen": item.chosen, "flagged": item.flagged, "revision": item.revision
                });
                (StatusCode::CONFLICT, Json(body)).into_response()
            }
            Err(e @ (ExamError::Finished | ExamError::Late)) => {
                JsonError::from(e).with_redirect(results).into_response()
            }
            Err(e) => JsonError::from(e).into_response(),
        });
    }
    let (attempt, _, form) = match saved {
        Ok(v) => v,
        Err(e @ (ExamError::InvalidAnswer(_) | ExamError::Stale)) => {
            let status =
                if matches!(e, ExamError::Stale) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            let attempt = attempt::load(&state.pool, id, user.id).await?;
            let bp = state.blueprint(&attempt.exam_code).await?;
            return question_page(&state, &ctx, attempt, &bp, n, Some(e.to_string()), status).await;
        }
        Err(e @ (ExamError::Finished | ExamError::Late)) => {
            return Err(AppError::Conflict(format!("{e} See your results at {results}.")));
        }
        Err(e) => return Err(e.into()),
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

/// Saves the form's answer to question `n` of the candidate's attempt: the attempt as it was, and the
/// item's new revision.
async fn save_answer(
    state: &AppState,
    user: &User,
    id: Uuid,
    n: i32,
    form: &AnswerForm,
) -> Result<(Attempt, i32), ExamError> {
    let attempt = attempt::load(&state.pool, id, user.id).await?;
    let bp = state.synced_blueprint(&attempt.exam_code).await?.ok_or(ExamError::NotFound)?;
    if n < 1 || n > attempt.question_count {
        return Err(ExamError::NotFound);
    }
    let answer = answers::Answer { position: n, chosen: &form.choices, flagged: form.flagged, revision: form.revision };
    let revision = answers::save(&state.pool, id, user.id, answer, state.settings.answer_grace, &bp).await?;
    Ok((attempt, revision))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_forms_are_parsed_and_forgeries_refused() {
        let f = parse_answer_form(b"csrf=x&choice=2&choice=0&flagged=on&revision=3&go=next").unwrap();
        assert_eq!((f.choices, f.flagged, f.revision, f.go.as_deref()), (vec![2, 0], true, Some(3), Some("next")));
        let f = parse_answer_form(b"csrf=x").unwrap();
        assert!(f.choices.is_empty() && !f.flagged && f.go.is_none() && f.revision.is_none());
        assert!(parse_answer_form(b"choice=abc").is_err());
        assert!(parse_answer_form(b"choice=-1").is_err());
        assert!(parse_answer_form(b"revision=x").is_err());
    }

    #[test]
    fn incomplete_answers_are_explained() {
        assert_eq!(
            incomplete_message(3, 2),
            "You chose 3; this question needs TWO. It is saved, but it can only score with exactly TWO chosen."
        );
    }
}
