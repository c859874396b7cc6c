//! Problem reports against the real app and PostgreSQL: from a candidate's finished mock to the queue,
//! quarantine, fix and reply (seen on the candidate's dashboard and the public changelog); the automatic
//! quarantine at three wrong-key reports; and every refusal (someone else's attempt, an unfinished mock, too
//! long, too many, twice, anonymous) with nothing lost.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::exam::start_mock;
use crate::helpers::*;

async fn finished_mock(v: &Visitor) -> Uuid {
    let attempt = start_mock(v).await;
    assert_eq!(v.post(&format!("/attempts/{attempt}/submit"), &[]).await.status(), StatusCode::SEE_OTHER);
    attempt
}

async fn report(v: &Visitor, attempt: Uuid, position: i32, category: &str, text: &str) -> reqwest::Response {
    let (a, p) = (attempt.to_string(), position.to_string());
    v.post("/reports", &[("source", "mock"), ("ref", &a), ("position", &p), ("category", category), ("text", text)])
        .await
}

async fn question_at(app: &TestApp, attempt: Uuid, position: i32) -> String {
    sqlx::query_scalar(
        "select v.question_id from attempt_items ai join question_versions v on v.id = ai.question_version_id
         where ai.attempt_id = $1 and ai.position = $2",
    )
    .bind(attempt)
    .bind(position)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn instructor(app: &TestApp) -> Visitor {
    let v = app.another_client();
    let email = unique_email();
    v.sign_up(&email, PASSWORD).await;
    let parsed = mockexam::accounts::Email::parse(&email).unwrap();
    mockexam::accounts::grant(&app.pool, &parsed, mockexam::accounts::Role::Instructor).await.unwrap();
    v
}

#[tokio::test]
async fn a_report_goes_from_candidate_to_quarantine_to_fix_to_reply() {
    let app = spawn_app().await;
    let attempt = finished_mock(&app).await;
    let results = app.text(&format!("/attempts/{attempt}/results?show=all")).await;
    assert!(results.contains("Report a problem with this question"), "offered on the review");
    let res = report(&app, attempt, 2, "typo", "Option C says <script>alert(1)</script> 'teh'.").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).ends_with("#q2"));
    let id = question_at(&app, attempt, 2).await;

    let teacher = instructor(&app).await;
    let dashboard = teacher.text("/instructor").await;
    assert!(text_at(&dashboard, "#open-reports").starts_with("1 open problem report"));
    let queue = teacher.text("/instructor/reports?exam=MLS-C01").await;
    assert!(queue.contains(&id));
    assert!(queue.contains("alert(1)") && !queue.contains("<script>alert"), "shown as text, never HTML");
    let report_id: i64 = sqlx::query_scalar("select id from problem_reports").fetch_one(&app.pool).await.unwrap();
    let handle = |action: &'static str, reply: &'static str| {
        let teacher = teacher.clone();
        async move {
            teacher
                .post(
                    &format!("/instructor/reports/{report_id}"),
                    &[("exam", "MLS-C01"), ("action", action), ("reply", reply)],
                )
                .await
        }
    };
    assert_eq!(handle("quarantine", "").await.status(), StatusCode::SEE_OTHER);
    let status: String =
        sqlx::query_scalar("select status from questions where id = $1").bind(&id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "quarantined");
    // A fix needs a reply; then the candidate sees it, and the changelog lists the question.
    handle("fixed", "").await;
    let still: String = sqlx::query_scalar("select status from problem_reports").fetch_one(&app.pool).await.unwrap();
    assert_eq!(still, "quarantined", "not marked fixed without a reply");
    assert_eq!(handle("fixed", "Corrected the spelling in option C.").await.status(), StatusCode::SEE_OTHER);
    let mine = app.text("/").await;
    let row = text_at(&mine, "#my-reports");
    assert!(row.contains("fixed") && row.contains("Corrected the spelling in option C."), "{row}");
    let changelog = app.another_client().text("/changelog").await;
    assert!(text_at(&changelog, "#changelog").contains(&id), "public, no sign-in");
    assert_eq!(handle("close", "again").await.status(), StatusCode::SEE_OTHER);
    let after: String = sqlx::query_scalar("select status from problem_reports").fetch_one(&app.pool).await.unwrap();
    assert_eq!(after, "fixed", "a handled report stays handled");
}

#[tokio::test]
async fn three_wrong_key_reports_quarantine_the_question_and_tell_the_instructors() {
    let app = spawn_app().await;
    // Three candidates whose first question is the same: make it so by reporting the question of one
    // candidate's position 1 from mocks that contain it.
    let first = app.another_client();
    let attempt = finished_mock(&first).await;
    let id = question_at(&app, attempt, 1).await;
    assert_eq!(report(&first, attempt, 1, "wrong-key", "I think the key is B.").await.status(), StatusCode::SEE_OTHER);
    let mut reporters = 1;
    while reporters < 3 {
        let v = app.another_client();
        let a = finished_mock(&v).await;
        let position: Option<i32> = sqlx::query_scalar(
            "select ai.position from attempt_items ai join question_versions v on v.id = ai.question_version_id
             where ai.attempt_id = $1 and v.question_id = $2",
        )
        .bind(a)
        .bind(&id)
        .fetch_optional(&app.pool)
        .await
        .unwrap();
        let Some(position) = position else {
            // Not in this mock: force it in by moving the candidate's item 1 to the question's version.
            sqlx::query(
                "update attempt_items set question_version_id = (select current_version_id from questions where id = $2)
                 where attempt_id = $1 and position = 1",
            )
            .bind(a)
            .bind(&id)
            .execute(&app.pool)
            .await
            .unwrap();
            assert_eq!(report(&v, a, 1, "wrong-key", "The key is wrong.").await.status(), StatusCode::SEE_OTHER);
            reporters += 1;
            continue;
        };
        assert_eq!(report(&v, a, position, "wrong-key", "The key is wrong.").await.status(), StatusCode::SEE_OTHER);
        reporters += 1;
    }
    let status: String =
        sqlx::query_scalar("select status from questions where id = $1").bind(&id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "quarantined");
    let teacher = instructor(&app).await;
    let dashboard = teacher.text("/instructor").await;
    assert!(text_at(&dashboard, "#auto-quarantined").contains(&id), "the instructors are told");
    let history = teacher.text(&format!("/instructor/questions/{id}/history?exam=MLS-C01")).await;
    assert!(text_at(&history, "#record").contains("automatically: 3 open wrong-key reports"));
}

#[tokio::test]
async fn refused_reports_change_nothing_and_keep_the_text() {
    let app = spawn_app().await;
    let attempt = finished_mock(&app).await;
    // Someone else's attempt, and an unfinished one: not found.
    let other = app.another_client();
    other.sign_up(&unique_email(), PASSWORD).await;
    assert_eq!(report(&other, attempt, 1, "typo", "x").await.status(), StatusCode::NOT_FOUND);
    let running = app.another_client();
    let open = start_mock(&running).await;
    assert_eq!(report(&running, open, 1, "typo", "peeking").await.status(), StatusCode::NOT_FOUND);
    // Too long: refused, the text is shown again.
    let long = "x".repeat(2001);
    let res = report(&app, attempt, 1, "typo", &long).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(text_at(&page, "#report-error").contains("at most 2000"));
    assert!(page.contains(&long), "nothing typed is lost");
    // No category.
    assert_eq!(report(&app, attempt, 1, "", "something").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Twice the same: refused.
    assert_eq!(report(&app, attempt, 1, "typo", "one").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(report(&app, attempt, 1, "typo", "again").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A few per hour.
    for p in 2..=5 {
        assert_eq!(report(&app, attempt, p, "unclear", "hm").await.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(report(&app, attempt, 6, "unclear", "hm").await.status(), StatusCode::TOO_MANY_REQUESTS);
    let n: i64 = sqlx::query_scalar("select count(*) from problem_reports").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 5);
    // Anonymous: sent to sign in; a student may not open the queue.
    let anon = app.another_client();
    let res = anon.post_raw("/reports", &[("source", "mock"), ("ref", &attempt.to_string()), ("position", "1")]).await;
    assert_ne!(res.status(), StatusCode::OK);
    assert_eq!(app.get("/instructor/reports").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_drill_answer_can_be_reported_once_it_is_checked() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), PASSWORD).await;
    let res =
        app.post("/drill/start", &[("exam", "MLS-C01"), ("kind", "tasks"), ("task", "2.1"), ("size", "10")]).await;
    let drill: Uuid = location(&res).trim_start_matches("/drills/").parse().unwrap();
    let report = |text: &'static str| {
        let v = app.clone_visitor();
        async move {
            v.post(
                "/reports",
                &[
                    ("source", "drill"),
                    ("ref", &drill.to_string()),
                    ("position", "1"),
                    ("category", "unclear"),
                    ("text", text),
                ],
            )
            .await
        }
    };
    assert_eq!(report("before checking").await.status(), StatusCode::NOT_FOUND, "no report before the key is shown");
    let multiple: bool = sqlx::query_scalar(
        "select v.multiple from drill_items d join question_versions v on v.id = d.question_version_id
         where d.drill_id = $1 and d.position = 1",
    )
    .bind(drill)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let mut fields = vec![("choice", "0"), ("confidence", "unsure")];
    if multiple {
        fields.push(("choice", "1"));
    }
    app.post(&format!("/drills/{drill}/q/1"), &fields).await;
    let feedback = app.text(&format!("/drills/{drill}/q/1")).await;
    assert!(feedback.contains("Report a problem with this question"));
    let res = report("the second option is worded badly").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).ends_with("#feedback"));
    let source: String = sqlx::query_scalar("select source from problem_reports").fetch_one(&app.pool).await.unwrap();
    assert_eq!(source, "drill");
}
