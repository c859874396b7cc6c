//! The results page of a finished attempt: score, domains, weak areas, question review.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use uuid::Uuid;

use super::{Report, ReviewItem};
use crate::bank::Blueprint;
use crate::error::AppResult;
use crate::exam::routes::blueprint;
use crate::exam::store::{self, Attempt};
use crate::web::extract::{Path, Query};
use crate::web::{AppState, Ctx, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/attempts/{id}/results", get(results))
}

#[derive(Deserialize)]
struct ResultsQuery {
    show: Option<String>,
}

#[derive(Template)]
#[template(path = "exam/results.html")]
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
    fn finished_on(&self) -> String {
        self.attempt
            .finished_at
            .and_then(|t| t.format(&time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).ok())
            .unwrap_or_default()
    }
    fn minutes(&self, secs: &i32) -> String {
        if *secs < 60 { format!("{secs} s") } else { format!("{} min {} s", secs / 60, secs % 60) }
    }
}

async fn results(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<Uuid>,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let attempt = store::load(&state.pool, id, user.id).await?;
    if !attempt.is_finished() {
        // Keys and rationales exist only for finished attempts.
        return Ok(Redirect::to(&format!("/attempts/{id}")).into_response());
    }
    let bp = blueprint(&state, &attempt.exam_code).await?;
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

