//! Item analysis against the real app and PostgreSQL: 200 simulated finished mocks with one question's key
//! planted wrong and one distractor nobody picks; the page flags both, the CSV carries the same figures,
//! and students may not see it.

use reqwest::StatusCode;

use crate::helpers::*;

const WRONG_KEY: &str = "dms-full-load-cdc-to-s3";
const DEAD_DISTRACTOR: &str = "kds-hot-shard-low-cardinality-key";

#[tokio::test]
async fn two_hundred_simulated_mocks_flag_the_wrong_key_and_the_dead_distractor() {
    let app = spawn_app().await;
    let plant = mockexam::bench::analysis::Plant {
        wrong_key: Some(WRONG_KEY.into()),
        dead_distractor: Some(DEAD_DISTRACTOR.into()),
    };
    mockexam::bench::analysis::seed(&app.pool, "MLS-C01", 200, &plant, 42).await.unwrap();

    app.sign_up(&unique_email(), PASSWORD).await;
    assert_eq!(app.get("/instructor/analysis").await.status(), StatusCode::FORBIDDEN);
    let email = unique_email();
    let teacher = app.another_client();
    teacher.sign_up(&email, PASSWORD).await;
    let parsed = mockexam::accounts::Email::parse(&email).unwrap();
    mockexam::accounts::grant(&app.pool, &parsed, mockexam::accounts::Role::Instructor).await.unwrap();

    let page = teacher.text("/instructor/analysis?exam=MLS-C01").await;
    let wrong = text_at(&page, &format!("#item-{WRONG_KEY}-1"));
    assert!(wrong.contains("Key may be wrong"), "{wrong}");
    let dead = text_at(&page, &format!("#item-{DEAD_DISTRACTOR}-1"));
    assert!(dead.contains("almost never chosen"), "{dead}");
    assert!(text_at(&page, "#exam-figures").contains("200"), "{}", text_at(&page, "#exam-figures"));
    let alpha: f64 = text_at(&page, "#alpha").parse().expect("alpha shown");
    assert!(alpha > 0.5, "simulated candidates of varying ability make a consistent test: {alpha}");

    let flagged = teacher.text("/instructor/analysis?exam=MLS-C01&flagged=1").await;
    assert!(flagged.contains(&format!("item-{WRONG_KEY}-1")));
    let csv = teacher.get("/instructor/analysis.csv?exam=MLS-C01&flagged=1").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    let line = csv.lines().find(|l| l.starts_with(&format!("\"{WRONG_KEY}\""))).expect("a CSV row");
    assert!(line.contains("key-may-be-wrong"), "{line}");
    assert!(csv.starts_with("question,version,task,status,n,facility"));

    // The editor's panel shows the same figures for the one question.
    let editor = teacher.text(&format!("/instructor/questions/{WRONG_KEY}/edit?exam=MLS-C01")).await;
    assert!(text_at(&editor, "#item-analysis").contains("Key may be wrong"), "{}", text_at(&editor, "#item-analysis"));
}
