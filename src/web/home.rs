//! `/`: the landing page for visitors, and the candidate's dashboard, which gathers what each feature
//! offers (the exams to start, past and running attempts, questions due for review, past drills).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::error::AppResult;
use super::{AppState, Ctx, render};
use crate::bank::store::{ExamSummary, exams};
use crate::drill::store::{self as drills, Drill};
use crate::exam::attempt::{self, AttemptRow};
use crate::format;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard<'a> {
    ctx: &'a Ctx,
    exams: Vec<ExamSummary>,
    attempts: Vec<AttemptRow>,
    drills: Vec<Drill>,
    /// Questions due for review, per exam code.
    due: Vec<(String, i64)>,
    /// The candidate's problem reports with their status and the instructors' replies.
    reports: Vec<crate::authoring::problems::Mine>,
    /// The cohorts the candidate is in: (id, name, exam).
    cohorts: Vec<(uuid::Uuid, String, String)>,
    /// Per exam with answers: its code and the readiness summary (a chance of passing, or what is missing).
    readiness: Vec<(String, Result<f64, String>)>,
}

impl Dashboard<'_> {
    fn drill_started(&self, d: &Drill) -> String {
        format::date_time(d.started_at)
    }
    fn drill_percent(&self, d: &Drill) -> i64 {
        format::percent(d.right, d.answered)
    }
    fn started(&self, a: &AttemptRow) -> String {
        format::date_time(a.started_at)
    }
    fn left(&self, a: &AttemptRow) -> String {
        format::duration_words(a.remaining_seconds)
    }
    fn reported(&self, r: &crate::authoring::problems::Mine) -> String {
        format::date_time(r.created_at)
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
    let attempts = attempt::list_for_user(&state.pool, user.id).await?;
    let drills = drills::list_for_user(&state.pool, user.id).await?;
    let due = drills::due_counts(&state.pool, user.id).await?;
    let reports = crate::authoring::problems::mine(&state.pool, user.id).await?;
    let cohorts = crate::progress::store::memberships(&state.pool, user.id).await?;
    let mut readiness = vec![];
    for e in &exams {
        if let Some(summary) = crate::progress::routes::readiness_summary(&state, user.id, &e.code).await? {
            readiness.push((e.code.clone(), summary));
        }
    }
    Ok(render(&Dashboard { ctx: &ctx, exams, attempts, drills, due, reports, cohorts, readiness })?.into_response())
}
