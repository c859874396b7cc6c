//! The results page of a finished attempt: score, domains, weak areas, question review.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use uuid::Uuid;

use super::{Report, ReviewItem};
use crate::bank::Blueprint;
use crate::exam::attempt::{self, Attempt};
use crate::format;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{Path, Query};
use crate::web::{AppState, Ctx, CurrentUser, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/attempts/{id}/results", get(results))
}

#[derive(Deserialize)]
struct ResultsQuery {
    show: Option<String>,
}

#[derive(Template)]
#[template(path = "report/results.html")]
struct ResultsPage<'a> {
    ctx: &'a Ctx,
    attempt: &'a Attempt,
    bp: &'a Blueprint,
    report: Report,
    items: Vec<ReviewItem>,
    show: &'a str,
    counts: (usize, usize, usize),
    cut_percent: u32,
    low: u32,
    high: u32,
}

impl ResultsPage<'_> {
    fn scored_count(&self) -> i32 {
        self.attempt.scored_count.unwrap_or(self.attempt.question_count)
    }
    fn unscored_count(&self) -> i32 {
        self.attempt.question_count - self.scored_count()
    }
    fn finished_on(&self) -> String {
        self.attempt.finished_at.map(format::date_time).unwrap_or_default()
    }
    fn minutes(&self, secs: &i32) -> String {
        format::seconds_words(i64::from(*secs))
    }
}

async fn results(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<Uuid>,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Response> {
    let attempt = attempt::load(&state.pool, id, user.id).await?;
    if !attempt.is_finished() {
        // Keys and rationales exist only for finished attempts.
        return Err(AppError::redirect(format!("/attempts/{id}")));
    }
    let bp = state.blueprint(&attempt.exam_code).await?;
    let report = super::report(&state.pool, id, &bp).await?;
    let all = super::review_items(&state.pool, id, &bp).await?;
    let counts = (all.len(), all.iter().filter(|i| !i.correct).count(), all.iter().filter(|i| i.flagged).count());
    let show = match q.show.as_deref() {
        Some("all") => "all",
        Some("flagged") => "flagged",
        _ => "incorrect",
    };
    let items = all
        .into_iter()
        .filter(|i| match show {
            "flagged" => i.flagged,
            "incorrect" => !i.correct,
            _ => true,
        })
        .collect();
    let est = crate::exam::scoring::estimate(
        attempt.raw_score.unwrap_or(0) as u32,
        attempt.question_count as u32,
        &bp.score,
        bp.cut_fraction(),
    );
    let page = ResultsPage {
        ctx: &ctx,
        attempt: &attempt,
        bp: &bp,
        report,
        items,
        show,
        counts,
        cut_percent: bp.score.cut_percent,
        low: est.low,
        high: est.high,
    };
    Ok(render(&page)?.into_response())
}
