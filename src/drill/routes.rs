//! Drill pages: choose what to practise (with how many questions match), one question at a time with
//! feedback after *Check answer*, the summary, and the desired-retention setting.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::schedule::Confidence;
use super::scope::{self, Scope, Size};
use super::store::{self, Check, Drill, DrillItem};
use crate::accounts::User;
use crate::bank::Blueprint;
use crate::bank::store::{ExamSummary, exams};
use crate::format;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{Path, Query};
use crate::web::{AppState, Ctx, CurrentUser, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/drill", get(setup))
        .route("/drill/start", post(start))
        .route("/drill/retention", post(set_retention))
        .route("/drills/{id}", get(resume))
        .route("/drills/{id}/q/{n}", get(question).post(check))
        .route("/drills/{id}/finish", post(finish))
        .route("/drills/{id}/summary", get(summary))
}

// ---------------------------------------------------------------- choosing a drill

#[derive(Deserialize)]
struct SetupQuery {
    exam: Option<String>,
}

/// A choice on the setup page with the number of questions it would draw.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "drill/setup.html")]
struct SetupPage<'a> {
    ctx: &'a Ctx,
    exams: Vec<ExamSummary>,
    exam: &'a Blueprint,
    open: Option<Drill>,
    sets: Vec<(&'static str, &'static str, usize)>,
    domains: Vec<Choice>,
    tasks: Vec<Choice>,
    services: Vec<Choice>,
    sizes: &'static [&'static str],
    retention_percent: i64,
    error: Option<String>,
}

const RETENTION_CHOICES: [i64; 4] = [80, 85, 90, 95];

impl SetupPage<'_> {
    fn retention_choices(&self) -> &'static [i64] {
        &RETENTION_CHOICES
    }
}

async fn setup(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<SetupQuery>,
) -> AppResult<Response> {
    setup_page(&state, &ctx, &user, q.exam.as_deref(), None, StatusCode::OK).await
}

async fn setup_page(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    exam: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let all = exams(&state.pool).await?;
    let code = exam.map(str::to_string).or_else(|| all.first().map(|e| e.code.clone())).ok_or(AppError::NotFound)?;
    let bp = state.blueprint(&code).await?;
    let candidates = store::candidates(&state.pool, user.id, &code, None).await?;
    let weakest = store::weakest_tasks(&state.pool, user.id, &code).await?;
    let now = OffsetDateTime::now_utc();
    let count = |s: &Scope| candidates.iter().filter(|c| scope::matches(s, c, now, &weakest)).count();
    let sets = vec![
        ("due", "Due for review", count(&Scope::Due)),
        ("missed", "Missed before", count(&Scope::Missed)),
        ("unseen", "Never seen", count(&Scope::Unseen)),
        ("weakest", "My weakest task statements", count(&Scope::Weakest)),
    ];
    let domains = bp
        .domains
        .iter()
        .map(|d| Choice {
            value: d.number.to_string(),
            label: format!("{}. {}", d.number, d.title),
            count: count(&Scope::Domain(d.number)),
        })
        .collect();
    let tasks = bp
        .tasks()
        .map(|(_, t)| Choice {
            value: t.id.clone(),
            label: format!("{} {}", t.id, t.title),
            count: count(&Scope::Tasks(vec![t.id.clone()])),
        })
        .collect();
    let mut per_service: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &candidates {
        for s in &c.services {
            *per_service.entry(s.as_str()).or_default() += 1;
        }
    }
    let services =
        per_service.into_iter().map(|(s, n)| Choice { value: s.to_string(), label: s.to_string(), count: n }).collect();
    let open = store::list_for_user(&state.pool, user.id).await?.into_iter().find(|d| !d.is_finished());
    let retention = store::retention(&state.pool, user.id).await?;
    let page = SetupPage {
        ctx,
        exams: all,
        exam: &bp,
        open,
        sets,
        domains,
        tasks,
        services,
        sizes: &Size::CHOICES,
        retention_percent: (f64::from(retention) * 100.0).round() as i64,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// The start form: `exam`, `kind` (domain | tasks | service | due | missed | unseen | weakest |
/// attempt), the value for that kind (`domain`, one or more `task`, `service`, `attempt`) and `size`.
#[derive(Debug, Default, PartialEq)]
struct StartForm {
    exam: String,
    kind: String,
    value: String,
    size: String,
}

fn parse_start_form(body: &[u8]) -> Result<StartForm, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| "The form could not be read.")?;
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let kind = field("kind");
    let value = match kind.as_str() {
        "domain" => field("domain"),
        "tasks" => pairs.iter().filter(|(k, _)| k == "task").map(|(_, v)| v.as_str()).collect::<Vec<_>>().join(","),
        "service" => field("service"),
        "attempt" => field("attempt"),
        _ => String::new(),
    };
    let size = Some(field("size")).filter(|s| !s.is_empty()).unwrap_or_else(|| "20".into());
    Ok(StartForm { exam: field("exam"), kind, value, size })
}

async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    body: Bytes,
) -> AppResult<Response> {
    let form = parse_start_form(&body).map_err(AppError::BadRequest)?;
    let bp = state.blueprint(&form.exam).await?;
    let parsed = Scope::parse(&form.kind, &form.value, &bp).and_then(|s| Size::parse(&form.size).map(|z| (s, z)));
    let (scope, size) = match parsed {
        Ok(v) => v,
        Err(msg) => {
            return setup_page(&state, &ctx, &user, Some(&bp.code), Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match store::start(&state.pool, user.id, &bp, &scope, size).await {
        Ok(id) => Ok(Redirect::to(&format!("/drills/{id}")).into_response()),
        Err(e @ super::DrillError::Empty) => {
            setup_page(&state, &ctx, &user, Some(&bp.code), Some(e.to_string()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct RetentionForm {
    retention: i64,
    exam: Option<String>,
}

async fn set_retention(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    crate::web::extract::Form(form): crate::web::extract::Form<RetentionForm>,
) -> AppResult<Response> {
    if !RETENTION_CHOICES.contains(&form.retention) {
        return Err(AppError::Unprocessable("Choose a retention of 80, 85, 90 or 95 %.".into()));
    }
    store::set_retention(&state.pool, user.id, form.retention as f32 / 100.0).await?;
    ctx.flash(format!("Questions will now come back when you are likely to recall {} % of them.", form.retention))
        .await?;
    let back = match form.exam {
        Some(code) => format!("/drill?{}", serde_urlencoded::to_string([("exam", code)]).unwrap_or_default()),
        None => "/drill".into(),
    };
    Ok(Redirect::to(&back).into_response())
}

// ---------------------------------------------------------------- taking a drill

/// The candidate's open drill; a finished one redirects to its summary.
async fn open_drill(state: &AppState, user: &User, id: Uuid) -> AppResult<Drill> {
    let drill = store::load(&state.pool, id, user.id).await?;
    if drill.is_finished() {
        return Err(AppError::redirect(format!("/drills/{id}/summary")));
    }
    Ok(drill)
}

async fn resume(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let drill = open_drill(&state, &user, id).await?;
    Ok(Redirect::to(&format!("/drills/{id}/q/{}", drill.current_position)).into_response())
}

/// One option as the page shows it; the key and the rationale only after the answer is checked.
pub struct OptionView {
    pub letter: char,
    pub text_html: String,
    pub rationale_html: String,
    pub is_key: bool,
    pub chosen: bool,
}

#[derive(Template)]
#[template(path = "drill/question.html")]
struct QuestionPage<'a> {
    ctx: &'a Ctx,
    drill: &'a Drill,
    item: DrillItem,
    options: Vec<OptionView>,
    task_title: String,
    confidences: [Confidence; 3],
    error: Option<String>,
}

impl QuestionPage<'_> {
    fn count_word(&self) -> &'static str {
        format::count_word(self.item.correct_count)
    }
    fn last_letter(&self) -> char {
        format::letter(self.item.options.len().saturating_sub(1))
    }
    fn is_last(&self) -> bool {
        self.item.position >= self.drill.question_count
    }
}

async fn question(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path((id, n)): Path<(Uuid, i32)>,
) -> AppResult<Response> {
    let drill = open_drill(&state, &user, id).await?;
    if n < 1 || n > drill.question_count {
        return Err(AppError::NotFound);
    }
    store::visit(&state.pool, id, n).await?;
    question_page(&state, &ctx, &drill, n, None, StatusCode::OK).await
}

async fn question_page(
    state: &AppState,
    ctx: &Ctx,
    drill: &Drill,
    n: i32,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let item = store::item(&state.pool, drill.id, n).await?;
    let bp = state.blueprint(&drill.exam_code).await?;
    let options = item
        .options
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let (is_key, chosen, rationale) = item.feedback.as_ref().map(|f| f.options[i].clone()).unwrap_or_default();
            OptionView { letter: format::letter(i), text_html: text.clone(), rationale_html: rationale, is_key, chosen }
        })
        .collect();
    let page = QuestionPage {
        ctx,
        drill,
        task_title: bp.task(&item.task).map(|t| t.title.clone()).unwrap_or_default(),
        item,
        options,
        confidences: Confidence::ALL,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// What *Check answer* sends: the chosen options (shown positions) and the confidence.
fn parse_check_form(body: &[u8], position: i32) -> Result<Check, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| "The form could not be read.")?;
    let mut chosen = vec![];
    let mut confidence = Confidence::Unsure;
    for (k, v) in pairs {
        match k.as_str() {
            "choice" => chosen.push(crate::exam::answers::parse_choice(&v)?),
            "confidence" => confidence = Confidence::parse(&v).ok_or("Choose Sure, Unsure or Guess.")?,
            _ => {}
        }
    }
    Ok(Check { position, chosen, confidence })
}

async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path((id, n)): Path<(Uuid, i32)>,
    body: Bytes,
) -> AppResult<Response> {
    let drill = open_drill(&state, &user, id).await?;
    if n < 1 || n > drill.question_count {
        return Err(AppError::NotFound);
    }
    let checked = match parse_check_form(&body, n) {
        Ok(answer) => store::check(&state.pool, id, user.id, &answer).await.map_err(AppError::from),
        Err(msg) => Err(AppError::Unprocessable(msg)),
    };
    match checked {
        Ok(_) => Ok(Redirect::to(&format!("/drills/{id}/q/{n}#feedback")).into_response()),
        Err(AppError::Unprocessable(msg)) => {
            question_page(&state, &ctx, &drill, n, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn finish(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    store::finish(&state.pool, id, user.id).await?;
    Ok(Redirect::to(&format!("/drills/{id}/summary")).into_response())
}

#[derive(Template)]
#[template(path = "drill/summary.html")]
struct SummaryPage<'a> {
    ctx: &'a Ctx,
    drill: Drill,
    percent: i64,
}

async fn summary(
    State(state): State<AppState>,
    ctx: Ctx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let drill = store::load(&state.pool, id, user.id).await?;
    if !drill.is_finished() {
        return Err(AppError::redirect(format!("/drills/{id}")));
    }
    let percent = format::percent(drill.right, drill.answered);
    Ok(render(&SummaryPage { ctx: &ctx, drill, percent })?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_forms_gather_the_value_of_their_kind() {
        let f = parse_start_form(b"csrf=x&exam=MLS-C01&kind=tasks&task=1.1&task=1.2&domain=3&size=10").unwrap();
        assert_eq!(
            f,
            StartForm { exam: "MLS-C01".into(), kind: "tasks".into(), value: "1.1,1.2".into(), size: "10".into() }
        );
        let f = parse_start_form(b"exam=MLS-C01&kind=domain&domain=3&task=1.1").unwrap();
        assert_eq!((f.value.as_str(), f.size.as_str()), ("3", "20"));
        let f = parse_start_form(b"exam=MLS-C01&kind=due&service=S3").unwrap();
        assert_eq!(f.value, "");
    }

    #[test]
    fn check_forms_default_to_unsure_and_refuse_forgeries() {
        let c = parse_check_form(b"choice=2&choice=0", 3).unwrap();
        assert_eq!((c.position, c.chosen, c.confidence), (3, vec![2, 0], Confidence::Unsure));
        assert_eq!(parse_check_form(b"choice=1&confidence=sure", 1).unwrap().confidence, Confidence::Sure);
        assert!(parse_check_form(b"choice=x", 1).is_err());
        assert!(parse_check_form(b"choice=1&confidence=certain", 1).is_err());
    }
}
