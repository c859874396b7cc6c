//! Unscored pilot questions against the real app and PostgreSQL: mixed into a mock unmarked, not scored,
//! revealed on the results page; too few pilots fill with scored questions; a file's `status = "pilot"`
//! makes a pilot; an instructor promotes one.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::exam::start_mock;
use crate::helpers::*;

async fn make_pilots(app: &TestApp, n: i64) -> Vec<String> {
    sqlx::query_scalar(
        "update questions set status = 'pilot' where id in (select id from questions where status = 'live' order by id limit $1)
         returning id",
    )
    .bind(n)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn items(app: &TestApp, attempt: Uuid) -> Vec<(String, bool)> {
    sqlx::query_as(
        "select v.question_id, ai.scored from attempt_items ai join question_versions v on v.id = ai.question_version_id
         where ai.attempt_id = $1 order by ai.position",
    )
    .bind(attempt)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_mock_with_pilots_scores_only_the_scored_items_and_says_afterwards_which_were_unscored() {
    let app = spawn_app().await;
    let pilots = make_pilots(&app, 20).await;
    let rules = {
        app.sign_up(&unique_email(), PASSWORD).await;
        app.text("/exams/MLS-C01/start").await
    };
    assert!(rules.contains("15 of the 65 questions are unscored pilot questions"), "the instructions say so");
    let res = app.post("/exams/MLS-C01/start", &[]).await;
    let attempt: Uuid = location(&res).trim_start_matches("/attempts/").parse().unwrap();
    let drawn = items(&app, attempt).await;
    assert_eq!(drawn.len(), 65);
    let unscored: Vec<&String> = drawn.iter().filter(|(_, s)| !s).map(|(id, _)| id).collect();
    assert_eq!(unscored.len(), 15);
    assert!(unscored.iter().all(|id| pilots.contains(id)), "only pilots are unscored");
    // The question page does not tell (question texts may say "Autopilot", so look for the words the
    // results page uses).
    let first_pilot = drawn.iter().position(|(_, s)| !s).unwrap() + 1;
    let page = app.text(&format!("/attempts/{attempt}/q/{first_pilot}")).await.to_lowercase();
    assert!(!page.contains("unscored") && !page.contains("pilot question"));

    // Answer every pilot right and nothing else: the score stays 0 of 50.
    sqlx::query(
        "update attempt_items ai set chosen = v.correct from question_versions v
         where v.id = ai.question_version_id and ai.attempt_id = $1 and not ai.scored",
    )
    .bind(attempt)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(app.post(&format!("/attempts/{attempt}/submit"), &[]).await.status(), StatusCode::SEE_OTHER);
    let (raw, scored, total): (i32, i32, i64) = sqlx::query_as(
        "select raw_score, scored_count, (select sum(total) from attempt_domain_scores where attempt_id = $1)
         from attempts where id = $1",
    )
    .bind(attempt)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((raw, scored, total), (0, 50, 50), "pilots count nowhere");
    let results = app.text(&format!("/attempts/{attempt}/results?show=all")).await;
    assert!(text_at(&results, "#raw-score").contains("0 of 50"), "{}", text_at(&results, "#raw-score"));
    assert!(text_at(&results, "#raw-score").contains("15 of the 65 were unscored"));
    let badge = text_at(&results, &format!("#q{first_pilot} h3"));
    assert!(badge.contains("Unscored (pilot question)"), "{badge}");
}

#[tokio::test]
async fn too_few_pilots_fill_the_mock_with_scored_questions() {
    let app = spawn_app().await;
    make_pilots(&app, 3).await;
    let attempt = start_mock(&app).await;
    let drawn = items(&app, attempt).await;
    assert_eq!(drawn.len(), 65, "65 stays 65");
    assert_eq!(drawn.iter().filter(|(_, s)| !s).count(), 3);
}

#[tokio::test]
async fn a_pilot_comes_from_its_file_header_and_is_promoted_by_an_instructor() {
    let dir = tempfile::tempdir().unwrap();
    let questions = crate::fixtures::exam_dir_with_blueprint(&dir.path().join("exam"));
    let shipped = shipped_bank_dir().join("mls-c01/questions/1.2/dms-full-load-cdc-to-s3.md");
    let text =
        std::fs::read_to_string(shipped).unwrap().replacen("difficulty = ", "status = \"pilot\"\ndifficulty = ", 1);
    std::fs::create_dir_all(questions.join("1.2")).unwrap();
    std::fs::write(questions.join("1.2/dms-full-load-cdc-to-s3.md"), &text).unwrap();
    let (bank, diagnostics) = mockexam::bank::load(dir.path());
    assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
    let db = fresh_database().await;
    mockexam::bank::sync::sync(&db.pool, &bank).await.unwrap();
    let status: String = sqlx::query_scalar("select status from questions").fetch_one(&db.pool).await.unwrap();
    assert_eq!(status, "pilot");

    let app = spawn_on(db).await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    let parsed = mockexam::accounts::Email::parse(&email).unwrap();
    mockexam::accounts::grant(&app.pool, &parsed, mockexam::accounts::Role::Instructor).await.unwrap();
    let editor = app.text("/instructor/questions/dms-full-load-cdc-to-s3/edit?exam=MLS-C01").await;
    assert!(editor.contains("step-promote"));
    let res = app
        .post("/instructor/questions/dms-full-load-cdc-to-s3/status", &[("exam", "MLS-C01"), ("step", "promote")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The file still says pilot, but an instructor's decision stands.
    mockexam::bank::sync::sync(&app.pool, &bank).await.unwrap();
    let status: String = sqlx::query_scalar("select status from questions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "live");

    // A bad status value is an error on its line.
    let bad = text.replace("status = \"pilot\"", "status = \"beta\"");
    std::fs::write(questions.join("1.2/dms-full-load-cdc-to-s3.md"), bad).unwrap();
    let (_, diagnostics) = mockexam::bank::load(dir.path());
    assert!(diagnostics.iter().any(|d| d.is_error() && d.line == 5 && d.message.contains("pilot")), "{diagnostics:?}");
}
