//! Drills against the real app and PostgreSQL: a drill from start to end, no key before its answer is
//! checked, the multiple-response count, spaced repetition fed by mocks and drills, resume, and
//! another candidate's drill.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

async fn signed_up(app: &TestApp) {
    assert_eq!(app.sign_up(&unique_email(), PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

/// Starts a drill with these form fields (exam and csrf added); returns its id.
async fn start_drill(v: &Visitor, fields: &[(&str, &str)]) -> Uuid {
    let mut all = vec![("exam", "MLS-C01")];
    all.extend_from_slice(fields);
    let res = v.post("/drill/start", &all).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "start {fields:?}");
    location(&res).trim_start_matches("/drills/").parse().expect("redirect to the drill")
}

/// How many questions the drill drew.
async fn drill_size(app: &TestApp, drill: Uuid) -> i32 {
    sqlx::query_scalar("select question_count from drills where id = $1")
        .bind(drill)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

struct Stored {
    multiple: bool,
    key_shown: Vec<usize>,
    rationales: Vec<String>,
    explanation: String,
    question_id: String,
}

/// What the database holds for the drill's question at `n` (the test knows the key; the page must not).
async fn stored(app: &TestApp, drill: Uuid, n: i32) -> Stored {
    let (order, correct, multiple, options, explanation, question_id): (
        Vec<i32>,
        Vec<i32>,
        bool,
        serde_json::Value,
        String,
        String,
    ) = sqlx::query_as(
        "select di.option_order, v.correct, v.multiple, v.options, v.explanation_html, v.question_id
         from drill_items di join question_versions v on v.id = di.question_version_id
         where di.drill_id = $1 and di.position = $2",
    )
    .bind(drill)
    .bind(n)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let key_shown = order.iter().enumerate().filter(|(_, f)| correct.contains(f)).map(|(s, _)| s).collect();
    let rationales =
        options.as_array().unwrap().iter().map(|o| o["rationale_html"].as_str().unwrap().to_string()).collect();
    Stored { multiple, key_shown, rationales, explanation, question_id }
}

fn no_key_in(page: &str, s: &Stored, what: &str) {
    for r in &s.rationales {
        assert!(!page.contains(r.as_str()), "a rationale leaked in {what}");
    }
    assert!(!page.contains(&s.explanation), "the explanation leaked in {what}");
    assert!(!page.contains("Correct answer"), "the key leaked in {what}");
}

async fn check(v: &Visitor, drill: Uuid, n: i32, choices: &[usize], confidence: &str) -> reqwest::Response {
    let values: Vec<String> = choices.iter().map(|c| c.to_string()).collect();
    let mut fields: Vec<(&str, &str)> = values.iter().map(|v| ("choice", v.as_str())).collect();
    fields.push(("confidence", confidence));
    v.post(&format!("/drills/{drill}/q/{n}"), &fields).await
}

#[tokio::test]
async fn a_task_statement_drill_from_start_to_end_shows_keys_only_after_each_check() {
    let app = spawn_app().await;
    signed_up(&app).await;
    let setup = app.text("/drill").await;
    assert!(text_at(&setup, "#drill-form").contains("1.2 Identify and implement a data ingestion solution ("));
    let drill = start_drill(&app, &[("kind", "tasks"), ("task", "1.2"), ("size", "10")]).await;
    assert_eq!(location(&app.get(&format!("/drills/{drill}")).await), format!("/drills/{drill}/q/1"));

    let count = drill_size(&app, drill).await;
    assert_eq!(count, 10);
    let tasks: Vec<String> = sqlx::query_scalar(
        "select v.task from drill_items di join question_versions v on v.id = di.question_version_id where drill_id = $1",
    )
    .bind(drill)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(tasks.iter().all(|t| t == "1.2"), "{tasks:?}");

    let mut right = 0;
    for n in 1..=count {
        let s = stored(&app, drill, n).await;
        let page = app.text(&format!("/drills/{drill}/q/{n}")).await;
        no_key_in(&page, &s, &format!("question {n} before its check"));
        assert!(text_at(&page, "#drill-progress").contains(&format!("question {n} of 10")));
        // Alternate right and wrong answers.
        let answer = if n % 2 == 1 {
            right += 1;
            s.key_shown.clone()
        } else {
            let wrong = (0..4).find(|i| !s.key_shown.contains(i)).unwrap();
            let mut a = vec![wrong];
            a.extend(s.key_shown.iter().skip(1));
            a
        };
        let res = check(&app, drill, n, &answer, "sure").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "check {n}");
        let after = app.text(&format!("/drills/{drill}/q/{n}")).await;
        let feedback = html_at(&after, "#feedback");
        for r in &s.rationales {
            assert!(feedback.contains(r.as_str()), "every rationale after the check of {n}");
        }
        assert!(feedback.contains(&s.explanation), "explanation after the check");
        let verdict = if n % 2 == 1 { "Correct" } else { "Incorrect" };
        assert!(
            text_at(&after, "#feedback-heading").contains(verdict),
            "{n}: {}",
            text_at(&after, "#feedback-heading")
        );
        assert!(text_at(&after, "#feedback").contains("Your answer"));
    }
    let res = app.post(&format!("/drills/{drill}/finish"), &[]).await;
    assert_eq!(location(&res), format!("/drills/{drill}/summary"));
    let summary = app.text(&format!("/drills/{drill}/summary")).await;
    assert!(text_at(&summary, "#drill-summary").contains(&format!("{right} of 10 right")));
    let home = app.text("/").await;
    assert!(text_at(&home, "#drill-history").contains("Task 1.2"), "past drills on the dashboard");
    let stored_answers: i64 = sqlx::query_scalar(
        "select count(*) from drill_items where drill_id = $1 and chosen is not null and confidence = 'sure'
         and seconds_spent is not null and question_version_id is not null",
    )
    .bind(drill)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored_answers, 10, "answers stored with version, confidence and time");
    let mock_attempts: i64 = sqlx::query_scalar("select count(*) from attempts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(mock_attempts, 0, "a drill is not a mock");
}

#[tokio::test]
async fn multiple_response_needs_the_stated_count_and_forged_or_repeated_checks_change_nothing() {
    let app = spawn_app().await;
    signed_up(&app).await;
    let multi: String = sqlx::query_scalar(
        "select q.task from questions q join question_versions v on v.id = q.current_version_id
         where v.multiple and cardinality(v.correct) = 2 group by q.task order by count(*) desc limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let drill = start_drill(&app, &[("kind", "tasks"), ("task", &multi), ("size", "all")]).await;
    let mut n = 1;
    while !stored(&app, drill, n).await.multiple {
        n += 1;
    }
    let s = stored(&app, drill, n).await;
    let page = app.text(&format!("/drills/{drill}/q/{n}")).await;
    assert!(text_at(&page, "legend").contains("Choose TWO answers"));
    let one = check(&app, drill, n, &s.key_shown[..1], "unsure").await;
    assert_eq!(one.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = one.text().await.unwrap();
    assert!(
        text_at(&body, "#check-error").contains("needs 2 answers; you chose 1"),
        "{}",
        text_at(&body, "#check-error")
    );
    no_key_in(&body, &s, "the refused check");
    let forged = check(&app, drill, n, &[0, 17], "unsure").await;
    assert_eq!(forged.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_confidence = check(&app, drill, n, &s.key_shown, "certain").await;
    assert_eq!(bad_confidence.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let saved: Option<Vec<i32>> =
        sqlx::query_scalar("select chosen from drill_items where drill_id = $1 and position = $2")
            .bind(drill)
            .bind(n)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(saved, None, "nothing saved by refused checks");
    let states: i64 = sqlx::query_scalar("select count(*) from review_states").fetch_one(&app.pool).await.unwrap();
    assert_eq!(states, 0, "nothing scheduled by refused checks");

    assert_eq!(check(&app, drill, n, &s.key_shown, "guess").await.status(), StatusCode::SEE_OTHER);
    let wrong: Vec<usize> = (0..5).filter(|i| !s.key_shown.contains(i)).take(2).collect();
    assert_eq!(check(&app, drill, n, &wrong, "sure").await.status(), StatusCode::SEE_OTHER);
    let (correct, confidence, rating): (bool, String, i16) = sqlx::query_as(
        "select di.correct, di.confidence, r.last_rating from drill_items di
         join question_versions v on v.id = di.question_version_id
         join drills d on d.id = di.drill_id
         join review_states r on r.user_id = d.user_id and r.question_id = v.question_id
         where di.drill_id = $1 and di.position = $2",
    )
    .bind(drill)
    .bind(n)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((correct, confidence.as_str(), rating), (true, "guess", 2), "the second check changed nothing");
}

#[tokio::test]
async fn missed_mock_questions_are_due_and_a_sure_right_answer_comes_back_later() {
    let app = spawn_app().await;
    signed_up(&app).await;
    let res = app.post("/exams/MLS-C01/start", &[]).await;
    let attempt = location(&res).trim_start_matches("/attempts/").to_string();
    // Submit without answering: all 65 are missed.
    assert_eq!(app.post(&format!("/attempts/{attempt}/submit"), &[]).await.status(), StatusCode::SEE_OTHER);
    let home = app.text("/").await;
    assert!(text_at(&home, "#due-MLS-C01").contains("65 questions due"), "{}", text_at(&home, "#due-MLS-C01"));
    let results = app.text(&format!("/attempts/{attempt}/results")).await;
    assert!(text_at(&results, "#drill-missed").contains("Drill the questions I missed"));
    assert!(text_at(&results, "#task-table").contains("Drill this task"));

    let drill = start_drill(&app, &[("kind", "attempt"), ("attempt", &attempt), ("size", "all")]).await;
    let count = drill_size(&app, drill).await;
    assert_eq!(count, 65, "every missed question of the mock");
    let s = stored(&app, drill, 1).await;
    assert_eq!(check(&app, drill, 1, &s.key_shown, "sure").await.status(), StatusCode::SEE_OTHER);
    let home = app.text("/").await;
    assert!(text_at(&home, "#due-MLS-C01").contains("64 questions due"), "a question answered right is no longer due");

    // A question never seen before, answered right and Sure: not due tomorrow.
    let fresh = start_drill(&app, &[("kind", "unseen"), ("size", "10")]).await;
    let s = stored(&app, fresh, 1).await;
    assert_eq!(check(&app, fresh, 1, &s.key_shown, "sure").await.status(), StatusCode::SEE_OTHER);
    let due_in_days: f64 = sqlx::query_scalar(
        "select (extract(epoch from due_at - now()) / 86400)::float8 from review_states where question_id = $1",
    )
    .bind(&s.question_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(due_in_days > 2.0, "a right + Sure answer is not due tomorrow ({due_in_days:.1} days)");
    assert!(text_at(&app.text("/").await, "#due-MLS-C01").contains("64 questions due"));

    // Move the clock: pretend the review happened long ago. The question is due again.
    sqlx::query(
        "update review_states set due_at = due_at - interval '400 days', last_review_at = last_review_at - interval '400 days'
         where question_id = $1",
    )
    .bind(&s.question_id)
    .execute(&app.pool)
    .await
    .unwrap();
    assert!(text_at(&app.text("/").await, "#due-MLS-C01").contains("65 questions due"));
    let due_drill = start_drill(&app, &[("kind", "due"), ("size", "10")]).await;
    let due_count = drill_size(&app, due_drill).await;
    assert_eq!(due_count, 10);
}

#[tokio::test]
async fn a_drill_resumes_where_it_was_left_and_is_closed_after_a_day() {
    let app = spawn_app().await;
    signed_up(&app).await;
    let drill = start_drill(&app, &[("kind", "domain"), ("domain", "3"), ("size", "10")]).await;
    let s = stored(&app, drill, 1).await;
    check(&app, drill, 1, &s.key_shown, "unsure").await;
    app.text(&format!("/drills/{drill}/q/2")).await;
    let home = app.text("/").await;
    assert!(text_at(&home, "#drill-in-progress").contains("1 of 10 answered"));
    assert_eq!(location(&app.get(&format!("/drills/{drill}")).await), format!("/drills/{drill}/q/2"));

    sqlx::query("update drills set last_active_at = now() - interval '25 hours' where id = $1")
        .bind(drill)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(mockexam::drill::store::close_stale(&app.pool).await.unwrap(), 1);
    assert_eq!(location(&app.get(&format!("/drills/{drill}")).await), format!("/drills/{drill}/summary"));
    let late = check(&app, drill, 2, &[0], "unsure").await;
    assert_eq!(location(&late), format!("/drills/{drill}/summary"), "a closed drill takes no answers");
}

#[tokio::test]
async fn another_candidates_drill_is_not_found_and_bad_scopes_are_refused() {
    let app = spawn_app().await;
    signed_up(&app).await;
    let drill = start_drill(&app, &[("kind", "unseen"), ("size", "10")]).await;
    let intruder = app.another_client();
    intruder.sign_up(&unique_email(), PASSWORD).await;
    for path in [format!("/drills/{drill}"), format!("/drills/{drill}/q/1"), format!("/drills/{drill}/summary")] {
        assert_eq!(intruder.get(&path).await.status(), StatusCode::NOT_FOUND, "GET {path}");
    }
    assert_eq!(check(&intruder, drill, 1, &[0], "sure").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(intruder.post(&format!("/drills/{drill}/finish"), &[]).await.status(), StatusCode::NOT_FOUND);
    let anonymous = app.another_client().get("/drill").await;
    assert_eq!(location(&anonymous), "/signin?next=%2Fdrill");

    let bad =
        app.post("/drill/start", &[("exam", "MLS-C01"), ("kind", "tasks"), ("task", "9.9"), ("size", "10")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_at(&bad.text().await.unwrap(), "#drill-error").contains("no task statement 9.9"));
    let none = app.post("/drill/start", &[("exam", "MLS-C01"), ("kind", "missed"), ("size", "10")]).await;
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing missed yet");
    let unknown = app.post("/drill/start", &[("exam", "NOPE"), ("kind", "due"), ("size", "10")]).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let res = app.post("/drill/retention", &[("retention", "95"), ("exam", "MLS-C01")]).await;
    assert_eq!(location(&res), "/drill?exam=MLS-C01");
    let page = app.text("/drill").await;
    assert_eq!(attr_at(&page, "#retention-form option[selected]", "value").as_deref(), Some("95"));
    let forged = app.post("/drill/retention", &[("retention", "10")]).await;
    assert_eq!(forged.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
