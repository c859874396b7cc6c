use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// Signs up a fresh candidate and starts a mock; returns the attempt id.
pub async fn start_mock(app: &Visitor) -> Uuid {
    app.sign_up(&unique_email(), PASSWORD).await;
    let res = app.post("/exams/MLS-C01/start", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let loc = location(&res);
    loc.trim_start_matches("/attempts/").parse().expect("redirect to the attempt")
}

/// Shown positions of the key of each question, by position (read from the database).
async fn keys(app: &TestApp, attempt: Uuid) -> Vec<Vec<usize>> {
    let rows: Vec<(Vec<i32>, Vec<i32>)> = sqlx::query_as(
        "select ai.option_order, v.correct from attempt_items ai
         join question_versions v on v.id = ai.question_version_id where attempt_id = $1 order by position",
    )
    .bind(attempt)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(order, correct)| {
            order.iter().enumerate().filter(|(_, f)| correct.contains(f)).map(|(shown, _)| shown).collect()
        })
        .collect()
}

pub async fn answer(app: &Visitor, attempt: Uuid, n: usize, choices: &[usize]) -> reqwest::Response {
    let values: Vec<String> = choices.iter().map(|c| c.to_string()).collect();
    let mut fields: Vec<(&str, &str)> = values.iter().map(|v| ("choice", v.as_str())).collect();
    fields.push(("go", "stay"));
    app.post(&format!("/attempts/{attempt}/q/{n}"), &fields).await
}

#[tokio::test]
async fn a_mock_from_start_to_results() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;

    // 65 questions by the blueprint: 13/16/23/13.
    let per_domain: Vec<(i32, i64)> = sqlx::query_as(
        "select v.domain, count(*) from attempt_items ai join question_versions v on v.id = ai.question_version_id
         where attempt_id = $1 group by v.domain order by v.domain",
    )
    .bind(attempt)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(per_domain, vec![(1, 13), (2, 16), (3, 23), (4, 13)]);

    let page = app.text(&format!("/attempts/{attempt}/q/1")).await;
    assert!(page.contains("Question 1 of 65") && page.contains("Time left"));

    // Answer 50 right, 10 wrong, leave 5 unanswered; flag two.
    let keys = keys(&app, attempt).await;
    for (i, key) in keys.iter().enumerate().take(60) {
        let n = i + 1;
        // A wrong answer with as many options as the key (fewer or more would be "incomplete").
        let wrong = || (0..4).filter(|c| !key.contains(c)).take(key.len()).collect();
        let choice: Vec<usize> = if n <= 50 { key.clone() } else { wrong() };
        let res = answer(&app, attempt, n, &choice).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "answer {n}");
    }
    let token = app.csrf().await;
    for n in [3, 61] {
        app.post_raw(&format!("/attempts/{attempt}/q/{n}"), &[("flagged", "on"), ("csrf", &token)]).await;
    }
    // Flagging question 3 without its choices cleared its answer: answer it again.
    answer(&app, attempt, 3, &keys[2]).await;
    let token = app.csrf().await;
    let values: Vec<String> = keys[2].iter().map(|c| c.to_string()).collect();
    let mut fields: Vec<(&str, &str)> = values.iter().map(|v| ("choice", v.as_str())).collect();
    fields.extend([("flagged", "on"), ("csrf", token.as_str())]);
    app.post_raw(&format!("/attempts/{attempt}/q/3"), &fields).await;

    let review = app.text(&format!("/attempts/{attempt}/review")).await;
    let counts = text_at(&review, "#review-summary");
    assert!(counts.contains("60 answered, 0 incomplete, 5 unanswered, 2 flagged"), "review screen counts: {counts}");
    let confirm = app.text(&format!("/attempts/{attempt}/submit")).await;
    let summary = text_at(&confirm, "main");
    assert!(summary.contains("5 unanswered") && summary.contains("2 flagged"), "{summary}");

    let res = app.post(&format!("/attempts/{attempt}/submit"), &[]).await;
    assert_eq!(location(&res), format!("/attempts/{attempt}/results"));
    let (raw, scaled, passed): (i32, i32, bool) =
        sqlx::query_as("select raw_score, scaled_score, passed from attempts where id = $1")
            .bind(attempt)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(raw, 50);
    let expected = mockexam::exam::scoring::estimate(
        50,
        65,
        &mockexam::bank::ScoreScale { min: 100, max: 1000, pass: 750, cut_percent: 72 },
        0.72,
    );
    assert_eq!((scaled as u32, passed), (expected.scaled, expected.passed));
    let domain_total: i64 = sqlx::query_scalar("select sum(total) from attempt_domain_scores where attempt_id = $1")
        .bind(attempt)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(domain_total, 65);
    let task_rows: i64 = sqlx::query_scalar("select count(*) from attempt_task_scores where attempt_id = $1")
        .bind(attempt)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(task_rows >= 12, "per task statement scores stored");

    let results = app.text(&format!("/attempts/{attempt}/results")).await;
    assert!(results.contains("50 of 65"));
    assert!(results.contains("Meets competencies") || results.contains("Needs improvement"));
    assert!(results.contains("Weakest task statements") && results.contains("estimate"));
    assert!(results.contains("Incorrect (15)") && results.contains("Flagged (2)"));
    let all = app.text(&format!("/attempts/{attempt}/results?show=all")).await;
    assert_eq!(all.matches("class=\"review-item").count(), 65);
    assert!(all.contains("Correct answer") && all.contains("Your answer") && all.contains("Explanation"));

    let home = app.text("/").await;
    assert!(home.contains(&format!("/attempts/{attempt}/results")), "past attempts on the dashboard");
    // A finished attempt cannot change.
    let res = answer(&app, attempt, 1, &[0]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn reload_shows_the_same_exam_and_time_and_resume_reopens_the_last_question() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    let first = app.text(&format!("/attempts/{attempt}/q/7")).await;
    let again = app.text(&format!("/attempts/{attempt}/q/7")).await;
    assert_eq!(stem_and_options(&first), stem_and_options(&again));
    let (t1, t2) = (remaining(&first), remaining(&again));
    assert!(t1 <= 180 * 60 && t2 <= t1 && t1 - t2 <= 2, "time kept by the server: {t1} then {t2}");
    // Starting again returns the same attempt, not a second one.
    let res = app.post("/exams/MLS-C01/start", &[]).await;
    assert_eq!(location(&res), format!("/attempts/{attempt}"));
    let res = app.get(&format!("/attempts/{attempt}")).await;
    assert_eq!(location(&res), format!("/attempts/{attempt}/q/7"), "resume at the last question");
    assert!(app.text("/").await.contains("Resume the exam"));
}

fn stem_and_options(page: &str) -> String {
    html_at(page, "#stem, fieldset.options")
}

fn remaining(page: &str) -> i64 {
    attr_at(page, "#timer", "data-remaining").expect("a timer").parse().unwrap()
}

#[tokio::test]
async fn a_server_restart_loses_no_saved_answer_and_keeps_the_deadline() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    assert_eq!(answer(&app, attempt, 1, &[2]).await.status(), StatusCode::SEE_OTHER);
    let deadline_before: time::OffsetDateTime = sqlx::query_scalar("select deadline from attempts where id = $1")
        .bind(attempt)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    app.server.abort();

    let browser = spawn_on(app.db.clone()).await.with_visitor(&app);
    let page = browser.text(&format!("/attempts/{attempt}/q/1")).await;
    assert!(attr_at(&page, "#choice-2", "checked").is_some(), "saved answer is still chosen");
    let deadline_after: time::OffsetDateTime = sqlx::query_scalar("select deadline from attempts where id = $1")
        .bind(attempt)
        .fetch_one(&browser.pool)
        .await
        .unwrap();
    assert_eq!(deadline_before, deadline_after);
    assert!(remaining(&page) <= 180 * 60);
}

#[tokio::test]
async fn answers_after_the_deadline_are_refused_and_the_attempt_ends_at_the_deadline() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    answer(&app, attempt, 1, &[1]).await;
    sqlx::query("update attempts set deadline = now() - interval '1 minute' where id = $1")
        .bind(attempt)
        .execute(&app.pool)
        .await
        .unwrap();
    let token = app.csrf().await;
    let late = app
        .client
        .post(app.url(&format!("/attempts/{attempt}/q/2")))
        .header("accept", "application/json")
        .header("x-csrf-token", &token)
        .form(&[("choice", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let body: serde_json::Value = late.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("after the deadline"));
    let (reason, at_deadline, chosen2): (String, bool, Vec<i32>) = sqlx::query_as(
        "select a.finish_reason, a.finished_at = a.deadline, ai.chosen from attempts a
         join attempt_items ai on ai.attempt_id = a.id and ai.position = 2 where a.id = $1",
    )
    .bind(attempt)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((reason.as_str(), at_deadline, chosen2), ("timeout", true, vec![]), "late answer not saved");
    let chosen1: Vec<i32> =
        sqlx::query_scalar("select chosen from attempt_items where attempt_id = $1 and position = 1")
            .bind(attempt)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(chosen1.len(), 1, "answers saved in time are kept");
}

#[tokio::test]
async fn answers_within_the_grace_period_still_count() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    sqlx::query("update attempts set deadline = now() - interval '1 second' where id = $1")
        .bind(attempt)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(answer(&app, attempt, 1, &[0]).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_sweeper_finishes_abandoned_attempts() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    let other = start_mock(&app.another_client()).await;
    sqlx::query("update attempts set deadline = now() - interval '1 hour' where id = $1")
        .bind(attempt)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(mockexam::exam::sweeper::sweep(&app.pool, mockexam::exam::ANSWER_GRACE).await.unwrap(), 1);
    let rows: Vec<(Uuid, Option<String>, Option<i32>)> =
        sqlx::query_as("select id, finish_reason, raw_score from attempts order by started_at")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let finished = rows.iter().find(|r| r.0 == attempt).unwrap();
    assert_eq!((finished.1.as_deref(), finished.2), (Some("timeout"), Some(0)));
    assert!(rows.iter().find(|r| r.0 == other).unwrap().1.is_none(), "attempts still in time are left alone");
    assert_eq!(
        mockexam::exam::sweeper::sweep(&app.pool, mockexam::exam::ANSWER_GRACE).await.unwrap(),
        0,
        "nothing is finished twice"
    );
}

#[tokio::test]
async fn submitting_twice_scores_once() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    let token = app.csrf().await;
    let path = format!("/attempts/{attempt}/submit");
    let fields = [("csrf", token.as_str())];
    let (a, b) = tokio::join!(app.post_raw(&path, &fields), app.post_raw(&path, &fields));
    assert_eq!((a.status(), b.status()), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    let rows: i64 = sqlx::query_scalar("select count(*) from attempt_domain_scores where attempt_id = $1")
        .bind(attempt)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 4, "one score row per domain");
}

#[tokio::test]
async fn other_users_cannot_see_or_change_an_attempt() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    let intruder = app.another_client();
    intruder.sign_up(&unique_email(), PASSWORD).await;
    for path in ["", "/q/1", "/review", "/submit", "/results"] {
        let res = intruder.get(&format!("/attempts/{attempt}{path}")).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "GET {path}");
    }
    assert_eq!(answer(&intruder, attempt, 1, &[0]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(intruder.post(&format!("/attempts/{attempt}/submit"), &[]).await.status(), StatusCode::NOT_FOUND);
    let anonymous = app.another_client().get(&format!("/attempts/{attempt}/q/1")).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let open: bool = sqlx::query_scalar("select finished_at is null from attempts where id = $1")
        .bind(attempt)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(open, "the owner's attempt is untouched");
}

#[tokio::test]
async fn questions_outside_the_attempt_and_forged_choices_are_refused() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    assert_eq!(answer(&app, attempt, 66, &[0]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(answer(&app, attempt, 0, &[0]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/attempts/{attempt}/q/66")).await.status(), StatusCode::NOT_FOUND);
    let res = answer(&app, attempt, 1, &[7]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let multiple: bool = sqlx::query_scalar(
        "select v.multiple from attempt_items ai join question_versions v on v.id = ai.question_version_id
         where attempt_id = $1 and position = 1",
    )
    .bind(attempt)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    if !multiple {
        assert_eq!(answer(&app, attempt, 1, &[0, 1]).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let chosen: Vec<i32> =
        sqlx::query_scalar("select chosen from attempt_items where attempt_id = $1 and position = 1")
            .bind(attempt)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(chosen.is_empty(), "nothing forged was stored");
}

#[tokio::test]
async fn keys_rationales_and_explanations_are_absent_until_the_attempt_is_finished() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    let rows: Vec<(i32, serde_json::Value, String)> = sqlx::query_as(
        "select ai.position, v.options, v.explanation_html from attempt_items ai
         join question_versions v on v.id = ai.question_version_id where attempt_id = $1 order by position limit 5",
    )
    .bind(attempt)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for (n, options, explanation) in rows {
        let page = app.text(&format!("/attempts/{attempt}/q/{n}")).await;
        for o in options.as_array().unwrap() {
            let rationale = o["rationale_html"].as_str().unwrap();
            assert!(!page.contains(rationale), "rationale leaked on question {n}");
        }
        assert!(!page.contains(&explanation), "explanation leaked on question {n}");
        assert!(!page.contains("Correct answer") && !page.contains("is_key"), "key leaked on question {n}");
    }
    let res = app.get(&format!("/attempts/{attempt}/results")).await;
    assert_eq!(location(&res), format!("/attempts/{attempt}"), "no results page before finishing");
}

#[tokio::test]
async fn a_bank_too_small_for_the_blueprint_gets_a_clear_message() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    crate::fixtures::synthetic_bank(&dir.path().join("small"), 40);
    let (bank, diagnostics) = mockexam::bank::load(dir.path());
    assert!(diagnostics.iter().all(|d| d.severity != mockexam::bank::Severity::Error));
    mockexam::bank::sync::sync(&db.pool, &bank).await.unwrap();
    let app = spawn_on(db).await;
    app.sign_up(&unique_email(), PASSWORD).await;
    let res = app.post("/exams/MLS-C01/start", &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("too small for a full MLS-C01 mock exam"));
    let n: i64 = sqlx::query_scalar("select count(*) from attempts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0, "no short exam was started");
}

#[tokio::test]
async fn later_mocks_prefer_questions_not_seen_before() {
    let app = spawn_app().await;
    let first = start_mock(&app).await;
    app.post(&format!("/attempts/{first}/submit"), &[]).await;
    let res = app.post("/exams/MLS-C01/start", &[]).await;
    let second: Uuid = location(&res).trim_start_matches("/attempts/").parse().unwrap();
    let overlap: i64 = sqlx::query_scalar(
        "select count(*) from attempt_items a join question_versions va on va.id = a.question_version_id
         join attempt_items b on b.attempt_id = $2 join question_versions vb on vb.id = b.question_version_id
         where a.attempt_id = $1 and va.question_id = vb.question_id",
    )
    .bind(first)
    .bind(second)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(overlap, 0, "the bank has 300+ questions, so the second mock repeats none");
}

#[tokio::test]
async fn the_instructions_come_first_and_extra_time_is_granted_and_shown() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), PASSWORD).await;
    let rules = app.text("/exams/MLS-C01/start").await;
    let text = text_at(&rules, "#rules");
    assert!(text.contains("65 questions in 3 h") && text.contains("scores 50 of the 65"), "{text}");
    assert!(text_at(&rules, "#start-form").contains("30 minutes extra time"));
    let n: i64 = sqlx::query_scalar("select count(*) from attempts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0, "reading the instructions starts no clock");

    let res = app.post("/exams/MLS-C01/start", &[("extra_time", "on")]).await;
    let attempt: Uuid = location(&res).trim_start_matches("/attempts/").parse().unwrap();
    let minutes: f64 = sqlx::query_scalar(
        "select (extract(epoch from deadline - started_at) / 60)::float8 from attempts where id = $1",
    )
    .bind(attempt)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((minutes - 210.0).abs() < 0.1, "180 + 30 minutes, got {minutes}");
    let again = app.text("/exams/MLS-C01/start").await;
    assert!(text_at(&again, "#resume-card").contains("in progress"), "a running exam is resumed, not restarted");
    let res = app.post("/exams/MLS-C01/start", &[]).await;
    assert_eq!(location(&res), format!("/attempts/{attempt}"));
    assert!(text_at(&app.text("/").await, ".notice").contains("resumed"));
    app.post(&format!("/attempts/{attempt}/submit"), &[]).await;
    let results = app.text(&format!("/attempts/{attempt}/results")).await;
    assert!(text_at(&results, "#extra-time-note").contains("30 minutes extra time"));
}

#[tokio::test]
async fn a_save_from_a_stale_page_is_refused_and_shows_the_newer_answer() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    let page = app.text(&format!("/attempts/{attempt}/q/1")).await;
    let seen = attr_at(&page, "#revision", "value").expect("the page carries its revision");
    let post = |choice: &'static str, revision: String| {
        let app = &app;
        async move {
            app.post(
                &format!("/attempts/{attempt}/q/1"),
                &[("choice", choice), ("revision", revision.as_str()), ("go", "stay")],
            )
            .await
        }
    };
    assert_eq!(post("0", seen.clone()).await.status(), StatusCode::SEE_OTHER, "first tab saves");
    let stale = post("1", seen.clone()).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT, "second tab, same old revision");
    let body = stale.text().await.unwrap();
    assert!(text_at(&body, "#answer-error").contains("changed in another tab"));
    assert!(attr_at(&body, "#choice-0", "checked").is_some(), "the newer answer is shown");
    let token = app.csrf().await;
    let json = app
        .client
        .post(app.url(&format!("/attempts/{attempt}/q/1")))
        .header("accept", "application/json")
        .form(&[("choice", "1"), ("revision", seen.as_str()), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::CONFLICT);
    let body: serde_json::Value = json.json().await.unwrap();
    assert_eq!((body["stale"].as_bool(), body["chosen"][0].as_i64()), (Some(true), Some(0)));
    let fresh = body["revision"].as_i64().unwrap().to_string();
    assert_eq!(post("1", fresh).await.status(), StatusCode::SEE_OTHER, "with the current revision it saves");
}
