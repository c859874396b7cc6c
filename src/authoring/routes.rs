//! Instructor pages. Every handler takes the `Instructor` extractor: anonymous visitors are sent to
//! sign in, students get 403.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{QuestionRow, TaskCoverage};
use crate::bank::store::{ExamSummary, exams, stored_blueprint};
use crate::web::error::AppResult;
use crate::web::{AppState, Ctx, Instructor, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/instructor", get(dashboard))
}

pub struct ExamView {
    pub summary: ExamSummary,
    pub coverage: Vec<TaskCoverage>,
    pub questions: Vec<QuestionRow>,
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
        views.push(ExamView {
            coverage: super::coverage(&state.pool, &bp).await?,
            questions: super::questions(&state.pool, &summary.code).await?,
            summary,
        });
    }
    Ok(render(&Dashboard { ctx: &ctx, exams: views })?.into_response())
}
