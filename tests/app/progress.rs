//! Progress and cohorts against the real app and PostgreSQL: figures on seeded answers equal hand-computed
//! values; readiness is hidden with too little evidence and says what is missing; the CSV holds the
//! candidate's own answers only; cohorts: create, join by code (a wrong code fails clearly), the cohort page
//! for its instructor only, leave.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::exam::start_mock;
use crate::helpers::*;

async fn user_id(app: &TestApp, v: &Visitor) -> Uuid {
    let page = v.text("/account").await;
    let email = text_at(&page, ".nav-user");
    sqlx::query_scalar("select id from users where email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

/// A drill of `n` answered questions of task `task`, the first `right` of them right, answered `days` ago.
async fn seed_drill(app: &TestApp, user: Uuid, task: &str, n: i64, right: i64, days: i64) {
    let drill = Uuid::new_v4();
    sqlx::query(
        "insert into drills (id, user_id, exam_code, scope_kind, scope_value, title, question_count, started_at, last_active_at)
         values ($1, $2, 'MLS-C01', 'tasks', $3, 'seeded', $4, now() - make_interval(days => $5::int), now())",
    )
    .bind(drill)
    .bind(user)
    .bind(task)
    .bind(n as i32)
    .bind(days as i32)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into drill_items (drill_id, position, question_version_id, option_order, chosen, correct, answered_at, seconds_spent)
         select $1, row_number() over (order by q.id), q.current_version_id, '{0,1,2,3}', '{0}',
                row_number() over (order by q.id) <= $4, now() - make_interval(days => $5::int), 30
         from questions q where q.task = $2 and q.status = 'live' order by q.id limit $3",
    )
    .bind(drill)
    .bind(task)
    .bind(n)
    .bind(right)
    .bind(days as i32)
    .execute(&app.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn figures_on_seeded_answers_equal_hand_computed_values_and_readiness_waits_for_evidence() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), PASSWORD).await;
    let me = user_id(&app, &app).await;
    let empty = app.text("/progress").await;
    assert!(text_at(&empty, "#readiness-missing").contains("100 more questions"), "{}", text_at(&empty, "#readiness"));

    // 1.1: 10 answers today, 4 right → 40 %. 2.1: 10 right 30 days ago and 10 wrong today →
    // 5 / (5 + 10) = 33 %. 3.3: 2 answers (too few).
    seed_drill(&app, me, "1.1", 10, 4, 0).await;
    seed_drill(&app, me, "2.1", 10, 10, 30).await;
    seed_drill(&app, me, "2.1", 10, 0, 0).await;
    seed_drill(&app, me, "3.3", 2, 2, 0).await;
    let page = app.text("/progress").await;
    let tasks = text_at(&page, "#tasks");
    assert!(tasks.starts_with("Task statement Mastery Answers 2.1"), "weakest first: {tasks}");
    assert!(tasks.contains("2.1 Sanitize and prepare data for modeling 33 % 20"), "{tasks}");
    assert!(tasks.contains("1.1 Create data repositories for ML 40 % 10"), "{tasks}");
    assert!(tasks.contains("3.3 Train ML models 100 % 2 too few"), "{tasks}");
    assert!(text_at(&page, "#readiness-missing").contains("68 more questions"), "32 answers so far");
    assert!(page.contains(r#"name="task" value="2.1""#), "each task links to a drill of it");

    // One finished mock: readiness is shown with its interval, the chart and its table.
    let attempt = {
        let res = app.post("/exams/MLS-C01/start", &[]).await;
        location(&res).trim_start_matches("/attempts/").parse::<Uuid>().unwrap()
    };
    app.post(&format!("/attempts/{attempt}/submit"), &[]).await;
    let page = app.text("/progress").await;
    assert!(text_at(&page, "#pass-probability").contains("% chance of passing now"));
    assert!(page.contains("id=\"score-chart\"") && text_at(&page, "#scores").contains("0 / 65"));
    assert!(text_at(&page, "#pacing-median").contains("budget of 166"), "{}", text_at(&page, "#pacing-median"));
    assert!(text_at(&page, "#percentile").contains("once 30 candidates"));
    let dashboard = app.text("/").await;
    assert!(text_at(&dashboard, "#progress-summary").contains("chance of passing now"));

    // The CSV: my answers only (32 drill answers + 65 mock answers).
    let other = app.another_client();
    let other_attempt = start_mock(&other).await;
    other.post(&format!("/attempts/{other_attempt}/submit"), &[]).await;
    let csv = app.get("/progress/answers.csv").await.text().await.unwrap();
    assert_eq!(csv.lines().count(), 1 + 32 + 65, "header + my answers");
    assert!(csv.starts_with("source,answered_at,question"));
}

#[tokio::test]
async fn cohorts_are_joined_by_code_seen_by_their_instructor_only_and_left() {
    let app = spawn_app().await;
    let teacher = app.another_client();
    let email = unique_email();
    teacher.sign_up(&email, PASSWORD).await;
    let parsed = mockexam::accounts::Email::parse(&email).unwrap();
    mockexam::accounts::grant(&app.pool, &parsed, mockexam::accounts::Role::Instructor).await.unwrap();
    let res = teacher.post("/instructor/cohorts", &[("exam", "MLS-C01"), ("name", "Spring course")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cohort_url = location(&res);
    let page = teacher.text(&cohort_url).await;
    let code = text_at(&page, "#cohort-code");
    assert_eq!(code.len(), 8);

    // A candidate: a wrong code fails clearly; the right one (any case) joins.
    let candidate = app.another_client();
    let attempt = start_mock(&candidate).await;
    candidate.post(&format!("/attempts/{attempt}/submit"), &[]).await;
    let wrong = candidate.post("/cohorts/join", &[("code", "NOPE1234")]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_at(&wrong.text().await.unwrap(), "#join-error").contains("no cohort has the code"));
    let joined = candidate.post("/cohorts/join", &[("code", &code.to_lowercase())]).await;
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let invite = candidate.text(&format!("/cohorts/join?code={code}")).await;
    assert!(invite.contains(&code), "the invite link fills the code in");

    let page = teacher.text(&cohort_url).await;
    let members = text_at(&page, "#members");
    assert!(
        members.contains("@example.com") && members.contains("%"),
        "the member's last mock and readiness: {members}"
    );
    assert!(page.contains("id=\"cohort-tasks\""));

    // Students and other instructors may not open it.
    assert_eq!(candidate.get(&cohort_url).await.status(), StatusCode::FORBIDDEN);
    let other = app.another_client();
    let other_email = unique_email();
    other.sign_up(&other_email, PASSWORD).await;
    let parsed = mockexam::accounts::Email::parse(&other_email).unwrap();
    mockexam::accounts::grant(&app.pool, &parsed, mockexam::accounts::Role::Instructor).await.unwrap();
    assert_eq!(other.get(&cohort_url).await.status(), StatusCode::NOT_FOUND, "not theirs");
    assert_eq!(app.another_client().get("/progress").await.status(), StatusCode::SEE_OTHER, "anonymous: sign in");

    // Leaving removes the member.
    let id = cohort_url.trim_start_matches("/instructor/cohorts/");
    assert_eq!(candidate.post(&format!("/cohorts/{id}/leave"), &[]).await.status(), StatusCode::SEE_OTHER);
    let page = teacher.text(&cohort_url).await;
    assert!(text_at(&page, "p").contains("0 members"), "{}", text_at(&page, "p"));
}
