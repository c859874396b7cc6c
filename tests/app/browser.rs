//! The exam in a real headless Chromium (driven over WebDriver by chromedriver). The test installs
//! Debian's chromium and chromium-driver itself when they are missing.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// apt-get once per test binary, and only when the browser is missing.
fn ensure_browser() {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut done = INSTALLED.lock().unwrap();
    if *done || (std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists()) {
        *done = true;
        return;
    }
    let status = Command::new("sh")
        .arg("-c")
        .arg("(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver) >/tmp/mockexam-chromium-install.log 2>&1")
        .status()
        .expect("run apt-get");
    assert!(status.success(), "installing chromium failed; see /tmp/mockexam-chromium-install.log (run as root?)");
    *done = true;
}

struct Driver {
    process: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

async fn browser() -> (Client, Driver) {
    ensure_browser();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let process = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver { process, port, _profile: profile };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", driver.port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let caps = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic", "--window-size=1200,900",
                     format!("--user-data-dir={}", driver._profile.path().display())]
        }
    });
    let caps = caps.as_object().unwrap().clone().into_iter().collect();
    let client = ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("connect to chromedriver");
    (client, driver)
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

async fn wait_for_text(c: &Client, css: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && el.text().await.unwrap_or_default().contains(want)
        {
            return;
        }
        assert!(Instant::now() < deadline, "{css} never showed {want:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn is_checked(c: &Client, css: &str) -> bool {
    c.find(Locator::Css(css)).await.unwrap().prop("checked").await.unwrap().as_deref() == Some("true")
}

/// Whether the question on screen is multiple response (its options are checkboxes).
async fn is_multiple(c: &Client) -> bool {
    c.find(Locator::Css("input[name=choice][type=checkbox]")).await.is_ok()
}

/// Runs axe-core (vendored in tests/assets) on the page and fails on any serious or critical violation
/// of WCAG 2.1 A/AA rules.
async fn assert_accessible(c: &Client, page: &str) {
    static AXE: &str = include_str!("../assets/axe.min.js");
    c.execute(AXE, vec![]).await.expect("inject axe-core");
    let found = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
                 .then(r => done(r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                   .map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))))
                 .catch(e => done(["axe failed: " + e]));"#,
            vec![],
        )
        .await
        .expect("run axe-core");
    let violations: Vec<String> = serde_json::from_value(found).unwrap_or_default();
    assert!(violations.is_empty(), "accessibility violations on the {page} page:\n{}", violations.join("\n"));
}

/// Nothing wider than the window (no sideways scrolling of the whole page).
async fn assert_no_overflow(c: &Client, page: &str) {
    let widths = c
        .execute(
            r#"const w = window.innerWidth;
               const wide = Array.from(document.querySelectorAll("body *"))
                 .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest(".table-wrap"))
                 .slice(0, 3).map(e => e.tagName + "." + e.className + ": " + (e.textContent || "").trim().slice(0, 60));
               return [document.documentElement.scrollWidth, w, wide];"#,
            vec![],
        )
        .await
        .expect("measure the page");
    let (content, window, wide): (i64, i64, Vec<String>) = serde_json::from_value(widths).unwrap();
    assert!(content <= window, "the {page} page is {content} px wide in a {window} px window: {wide:?}");
}

/// Signs up through the form and starts a mock; leaves the browser on question 1.
async fn sign_up_and_start_a_mock(c: &Client, base: &str) {
    c.goto(&format!("{base}/signup")).await.unwrap();
    c.find(Locator::Id("email")).await.unwrap().send_keys(&unique_email()).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Css("form.stack button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(c, "h1", "Your dashboard").await;
    c.find(Locator::Id("start-MLS-C01")).await.unwrap().click().await.unwrap();
    wait_for_text(c, "h1", "Before you start").await;
    c.find(Locator::Id("start-exam")).await.unwrap().click().await.unwrap();
    wait_for_text(c, "#question-heading", "Question 1 of 65").await;
}

#[tokio::test]
async fn a_candidate_takes_a_mock_exam_in_a_real_browser() {
    let app = spawn_app().await;
    let (c, _driver) = browser().await;
    let result = async {
        sign_up_and_start_a_mock(&c, &app.url("")).await;

        assert_accessible(&c, "question").await;
        assert_no_overflow(&c, "question (1200 px)").await;
        // Answer by clicking: the script saves at once (two options for a "Select TWO" question).
        let multiple = is_multiple(&c).await;
        c.find(Locator::Css("label[for=choice-1]")).await.unwrap().click().await.unwrap();
        if multiple {
            c.find(Locator::Css("label[for=choice-2]")).await.unwrap().click().await.unwrap();
        }
        wait_for_text(&c, "#save-state", "Answer saved.").await;
        wait_for_text(&c, "#answered-count", "1").await;

        // Next question by keyboard, answer by keyboard, flag by keyboard.
        c.find(Locator::Css("body")).await.unwrap().send_keys("n").await.unwrap();
        wait_for_text(&c, "#question-heading", "Question 2 of 65").await;
        c.find(Locator::Css("body")).await.unwrap().send_keys("3").await.unwrap();
        if is_multiple(&c).await {
            c.find(Locator::Css("body")).await.unwrap().send_keys("4").await.unwrap();
        }
        wait_for_text(&c, "#save-state", "Answer saved.").await;
        c.find(Locator::Css("body")).await.unwrap().send_keys("f").await.unwrap();
        wait_for_text(&c, "#flagged-count", "1").await;
        assert!(is_checked(&c, "#choice-2").await);

        // Reload mid-exam: answer, flag and time are kept.
        let before: i64 =
            c.find(Locator::Id("timer")).await.unwrap().attr("data-remaining").await.unwrap().unwrap().parse().unwrap();
        c.refresh().await.unwrap();
        wait_for_text(&c, "#question-heading", "Question 2 of 65").await;
        assert!(is_checked(&c, "#choice-2").await, "answer kept after reload");
        assert!(is_checked(&c, "#flagged").await, "flag kept after reload");
        let after: i64 =
            c.find(Locator::Id("timer")).await.unwrap().attr("data-remaining").await.unwrap().unwrap().parse().unwrap();
        assert!(after <= before && before - after < 30, "time kept: {before} then {after}");
        let shown = text_of(&c, "#timer").await;
        assert!(shown.starts_with("2:5") || shown.starts_with("3:00"), "countdown shows {shown}");

        // Previous question still answered.
        c.find(Locator::Id("prev")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#question-heading", "Question 1 of 65").await;
        assert!(is_checked(&c, "#choice-1").await);

        // Review screen, then submit with confirmation.
        c.find(Locator::Id("review")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "h1", "Review your answers").await;
        assert!(text_of(&c, "#review-grid").await.contains("Flagged"));
        assert_accessible(&c, "review").await;
        assert_no_overflow(&c, "review (1200 px)").await;
        c.find(Locator::Css("a[href$='/submit']")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "main", "63").await; // unanswered count on the confirmation page
        c.find(Locator::Id("confirm-submit")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "h1", "Your result").await;
        let score = text_of(&c, "#scaled-score").await;
        assert!(score.contains("/ 1000"), "{score}");
        assert!(text_of(&c, "#domain-table").await.contains("Data Engineering"));
        assert_accessible(&c, "results").await;
        assert_no_overflow(&c, "results (1200 px)").await;
        c.goto(&app.url("/")).await.unwrap();
        wait_for_text(&c, "h1", "Your dashboard").await;
        assert_accessible(&c, "dashboard").await;
    }
    .await;
    c.close().await.ok();
    result
}

#[tokio::test]
async fn a_lost_connection_is_shown_and_the_answer_is_retried_until_saved() {
    let db = fresh_database().await;
    let (db_url, pool) = (db.url.clone(), db.pool.clone());
    mockexam::bank::sync::sync(&pool, shipped_bank()).await.unwrap();
    let server = IsolatedServer::start(db_url.clone(), None);
    let addr = server.addr;
    let (c, _driver) = browser().await;
    let result = async {
        sign_up_and_start_a_mock(&c, &format!("http://{addr}")).await;

        // The server goes away; the candidate answers anyway and is told it is not saved yet.
        server.stop();
        c.find(Locator::Css("label[for=choice-0]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#save-state", "Not saved yet: connection problem").await;
        let chosen: Vec<i32> =
            sqlx::query_scalar("select chosen from attempt_items where position = 1").fetch_one(&pool).await.unwrap();
        assert!(chosen.is_empty());

        // It comes back on the same address: a retry saves the answer.
        let back = IsolatedServer::start(db_url.clone(), Some(addr));
        wait_for_text(&c, "#save-state", "Answer saved.").await;
        let chosen: Vec<i32> =
            sqlx::query_scalar("select chosen from attempt_items where position = 1").fetch_one(&pool).await.unwrap();
        assert_eq!(chosen.len(), 1, "the answer chosen during the outage was saved");
        back.stop();
    }
    .await;
    c.close().await.ok();
    result
}

#[tokio::test]
async fn a_drill_of_five_questions_taken_with_the_keyboard_alone() {
    let app = spawn_app().await;
    let (c, _driver) = browser().await;
    let result = async {
        let base = app.url("");
        c.goto(&format!("{base}/signup")).await.unwrap();
        c.find(Locator::Id("email")).await.unwrap().send_keys(&unique_email()).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
        c.find(Locator::Css("form.stack button[type=submit]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "h1", "Your dashboard").await;
        c.goto(&format!("{base}/drill")).await.unwrap();
        wait_for_text(&c, "h1", "Drill").await;
        assert_accessible(&c, "drill setup").await;
        // Choose "one task statement", 2.1, ten questions: the setup form, then start.
        c.find(Locator::Css("input[name=kind][value=tasks]")).await.unwrap().click().await.unwrap();
        c.find(Locator::Css("input[name=task][value='2.1']")).await.unwrap().click().await.unwrap();
        c.find(Locator::Css("input[name=size][value='10']")).await.unwrap().click().await.unwrap();
        c.find(Locator::Id("start-drill")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#question-heading", "Question 1").await;
        assert_accessible(&c, "drill question").await;
        for n in 1..=5 {
            wait_for_text(&c, "#question-heading", &format!("Question {n}")).await;
            let body = c.find(Locator::Css("body")).await.unwrap();
            let multiple = c.find(Locator::Css("input[name=choice][type=checkbox]")).await.is_ok();
            let check = c.find(Locator::Id("check")).await.unwrap();
            assert!(check.attr("disabled").await.unwrap().is_some(), "Check is disabled before a choice");
            body.send_keys("1").await.unwrap();
            if multiple {
                assert!(check.attr("disabled").await.unwrap().is_some(), "one of TWO is not enough");
                body.send_keys("2").await.unwrap();
            }
            assert!(is_checked(&c, "#choice-0").await);
            body.send_keys("g").await.unwrap();
            assert!(is_checked(&c, "#confidence-guess").await);
            body.send_keys("\u{E007}").await.unwrap(); // Enter
            wait_for_text(&c, "#feedback-heading", "orrect").await;
            if n == 1 {
                assert_accessible(&c, "drill feedback").await;
            }
            let body = c.find(Locator::Css("body")).await.unwrap();
            assert!(text_of(&c, "#feedback").await.contains("Your answer"));
            assert!(text_of(&c, "#explanation").await.contains("Explanation"));
            body.send_keys("n").await.unwrap();
        }
        wait_for_text(&c, "#question-heading", "Question 6").await;
        let answered: i64 =
            sqlx::query_scalar("select count(*) from drill_items where chosen is not null and confidence = 'guess'")
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(answered, 5);
    }
    .await;
    c.close().await.ok();
    result
}

/// The position of the first multiple-response and the first single-answer question of an attempt.
async fn first_positions(pool: &sqlx::PgPool) -> (i32, i32) {
    let multi: i32 = sqlx::query_scalar(
        "select min(ai.position) from attempt_items ai join question_versions v on v.id = ai.question_version_id
         where v.multiple",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let single: i32 = sqlx::query_scalar(
        "select min(ai.position) from attempt_items ai join question_versions v on v.id = ai.question_version_id
         where not v.multiple",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    (multi, single)
}

#[tokio::test]
async fn incomplete_answers_arrow_keys_shortcuts_and_tab_order_in_a_real_browser() {
    let app = spawn_app().await;
    let (c, _driver) = browser().await;
    let result = async {
        sign_up_and_start_a_mock(&c, &app.url("")).await;
        let attempt: uuid::Uuid = sqlx::query_scalar("select id from attempts").fetch_one(&app.pool).await.unwrap();
        let (multi, single) = first_positions(&app.pool).await;

        // Tab order: the answers come before Sign out.
        let order = c
            .execute(
                r#"const all = Array.from(document.querySelectorAll("a[href], button, input, select, textarea"))
                     .filter(e => !e.disabled && e.offsetParent !== null && e.type !== "hidden");
                   const signOut = all.findIndex(e => e.textContent.trim() === "Sign out");
                   const answer = all.findIndex(e => e.name === "choice");
                   return [answer, signOut];"#,
                vec![],
            )
            .await
            .unwrap();
        let (answer, sign_out): (i64, i64) = serde_json::from_value(order).unwrap();
        assert!(answer >= 0 && sign_out > answer, "answers ({answer}) come before Sign out ({sign_out})");

        // Multiple response: one of TWO is saved but flagged as incomplete, here and on the review screen.
        c.goto(&app.url(&format!("/attempts/{attempt}/q/{multi}"))).await.unwrap();
        wait_for_text(&c, "#question-heading", &format!("Question {multi} of 65")).await;
        c.find(Locator::Css("label[for=choice-0]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#incomplete", "You chose 1; this question needs TWO").await;
        wait_for_text(&c, "#save-state", "Answer saved.").await;
        wait_for_text(&c, "#incomplete-count", "1").await;
        c.find(Locator::Css("label[for=choice-1]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#save-state", "Answer saved.").await;
        assert!(
            c.find(Locator::Id("incomplete")).await.unwrap().attr("hidden").await.unwrap().is_some(),
            "TWO of TWO is complete"
        );
        c.find(Locator::Css("label[for=choice-2]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#incomplete", "You chose 3; this question needs TWO").await;
        wait_for_text(&c, "#save-state", "Answer saved.").await;
        c.goto(&app.url(&format!("/attempts/{attempt}/review?show=incomplete"))).await.unwrap();
        wait_for_text(&c, "#review-grid", "Incomplete (3 of TWO)").await;
        c.goto(&app.url(&format!("/attempts/{attempt}/submit"))).await.unwrap();
        wait_for_text(&c, "#incomplete-warning", "1 incomplete").await;

        // Arrow keys move between the options of a question; they do not change the question.
        c.goto(&app.url(&format!("/attempts/{attempt}/q/{single}"))).await.unwrap();
        wait_for_text(&c, "#question-heading", &format!("Question {single} of 65")).await;
        c.find(Locator::Css("label[for=choice-0]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#save-state", "Answer saved.").await;
        c.find(Locator::Id("choice-0")).await.unwrap().send_keys("\u{E015}").await.unwrap(); // ArrowDown
        wait_for_text(&c, "#save-state", "Answer saved.").await;
        assert!(is_checked(&c, "#choice-1").await, "the arrow key moved to the next option");
        c.find(Locator::Id("choice-1")).await.unwrap().send_keys("\u{E014}").await.unwrap(); // ArrowRight
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(text_of(&c, "#question-heading").await.contains(&format!("Question {single} of 65")), "still here");

        // Single-key shortcuts can be turned off, and stay off.
        c.find(Locator::Id("shortcuts-toggle")).await.unwrap().click().await.unwrap();
        c.find(Locator::Css("body")).await.unwrap().send_keys("4").await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!is_checked(&c, "#choice-3").await, "shortcut ignored when turned off");
        c.refresh().await.unwrap();
        wait_for_text(&c, "#question-heading", &format!("Question {single} of 65")).await;
        assert!(!is_checked(&c, "#shortcuts-toggle").await, "the setting is remembered");
    }
    .await;
    c.close().await.ok();
    result
}

#[tokio::test]
async fn a_stale_tab_and_an_ended_session_lose_no_answer() {
    let app = spawn_app().await;
    let (c, _driver) = browser().await;
    let result = async {
        sign_up_and_start_a_mock(&c, &app.url("")).await;
        let attempt: uuid::Uuid = sqlx::query_scalar("select id from attempts").fetch_one(&app.pool).await.unwrap();
        let (_, single) = first_positions(&app.pool).await;
        let url = app.url(&format!("/attempts/{attempt}/q/{single}"));
        c.goto(&url).await.unwrap();
        wait_for_text(&c, "#question-heading", &format!("Question {single} of 65")).await;
        let first = c.window().await.unwrap();

        // A second tab answers B; the first tab, still showing the old page, then answers C.
        let second = c.new_window(true).await.unwrap();
        c.switch_to_window(second.handle).await.unwrap();
        c.goto(&url).await.unwrap();
        wait_for_text(&c, "#question-heading", &format!("Question {single} of 65")).await;
        c.find(Locator::Css("label[for=choice-1]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#save-state", "Answer saved.").await;
        c.close_window().await.unwrap();
        c.switch_to_window(first).await.unwrap();
        c.find(Locator::Css("label[for=choice-2]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#save-state", "changed in another tab").await;
        assert!(is_checked(&c, "#choice-1").await, "the newer answer is shown");
        assert!(!is_checked(&c, "#choice-2").await);
        let chosen: Vec<i32> = sqlx::query_scalar("select chosen from attempt_items where position = $1")
            .bind(single)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let order: Vec<i32> = sqlx::query_scalar("select option_order from attempt_items where position = $1")
            .bind(single)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(chosen, vec![order[1]], "the stale tab did not overwrite the newer answer");

        // The session ends mid-exam (idle limit, signed out elsewhere): the next answer is kept, and
        // saved after signing in again.
        let email: String = sqlx::query_scalar("select email from users").fetch_one(&app.pool).await.unwrap();
        // (Revoking the login is what every way of ending a session does; the session row itself may
        // live on in the store's short-lived memory copy.)
        sqlx::query("update logins set revoked_at = now()").execute(&app.pool).await.unwrap();
        c.find(Locator::Css("label[for=choice-3]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#save-state", "You are signed out").await;
        c.find(Locator::Css("#save-state a")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "h1", "Sign in").await;
        c.find(Locator::Id("email")).await.unwrap().send_keys(&email).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
        c.find(Locator::Css("form.stack button[type=submit]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "#question-heading", &format!("Question {single} of 65")).await;
        wait_for_text(&c, "#save-state", "Answer saved.").await;
        let chosen: Vec<i32> = sqlx::query_scalar("select chosen from attempt_items where position = $1")
            .bind(single)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(chosen, vec![order[3]], "the answer chosen while signed out was saved after signing in");

        // The instructions page offers to resume the running exam instead of starting another.
        c.goto(&app.url("/exams/MLS-C01/start")).await.unwrap();
        wait_for_text(&c, "#resume-card", "in progress").await;

        // Phone width: nothing wider than the screen on the question, review and results pages.
        c.set_window_size(390, 844).await.unwrap();
        for path in [format!("/attempts/{attempt}/q/{single}"), format!("/attempts/{attempt}/review")] {
            c.goto(&app.url(&path)).await.unwrap();
            wait_for_text(&c, "h1", "").await;
            assert_no_overflow(&c, &path).await;
        }
        // The review screen of 65 questions stays compact on a phone (it was 2,865 px long).
        let height: i64 =
            serde_json::from_value(c.execute("return document.documentElement.scrollHeight;", vec![]).await.unwrap())
                .unwrap();
        assert!(height < 2000, "the review screen is {height} px long at 390 px wide");
        c.goto(&app.url(&format!("/attempts/{attempt}/submit"))).await.unwrap();
        c.find(Locator::Id("confirm-submit")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "h1", "Your result").await;
        assert_no_overflow(&c, "results").await;
    }
    .await;
    c.close().await.ok();
    result
}

/// Replaces the editor's text as typing would (the input event drives the live preview).
async fn set_source(c: &Client, text: &str) {
    c.execute(
        "const s = document.getElementById('source'); s.value = arguments[0]; s.dispatchEvent(new Event('input'));",
        vec![json!(text)],
    )
    .await
    .expect("set the editor's text");
}

#[tokio::test]
async fn an_instructor_writes_a_question_sees_the_missing_rationale_fixes_it_saves_and_finds_it() {
    let app = spawn_app().await;
    let (c, _driver) = browser().await;
    let result = async {
        let base = app.url("");
        let email = unique_email();
        c.goto(&format!("{base}/signup")).await.unwrap();
        c.find(Locator::Id("email")).await.unwrap().send_keys(&email).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
        c.find(Locator::Css("form.stack button[type=submit]")).await.unwrap().click().await.unwrap();
        wait_for_text(&c, "h1", "Your dashboard").await;
        let parsed = mockexam::accounts::Email::parse(&email).unwrap();
        mockexam::accounts::grant(&app.pool, &parsed, mockexam::accounts::Role::Instructor).await.unwrap();

        c.goto(&format!("{base}/instructor/questions/new?exam=MLS-C01&task=4.2")).await.unwrap();
        wait_for_text(&c, "h1", "New question").await;
        assert_accessible(&c, "question editor").await;
        let good = "+++\nid = \"browser-written-question\"\ntask = \"4.2\"\nservices = [\"Amazon Translate\"]\n\
                    difficulty = \"easy\"\n+++\nA support team answers tickets in nine languages and wants them all in \
                    English for its quokkaflux dashboard, without training a model.\n\nWhich approach meets this need?\n\n\
                    - [x] Amazon Translate batch translation of the tickets\n  > It translates text with a managed model.\n\
                    - [ ] Amazon Comprehend language detection on the tickets\n  > It names the language but does not translate.\n\
                    - [ ] Amazon Transcribe jobs on the ticket attachments\n  > It turns speech into text, not one language into another.\n\
                    - [ ] Amazon Polly voices reading the tickets aloud\n  > It turns text into speech in the same language.\n\n\
                    ## Explanation\nTranslate is the managed translation service.\n";
        let missing = good.replace("  > It names the language but does not translate.\n", "");
        set_source(&c, &missing).await;
        wait_for_text(&c, "#diagnostics", "option 2 has no rationale").await;
        assert!(text_of(&c, "#diagnostics").await.contains("line 13"));
        set_source(&c, good).await;
        wait_for_text(&c, "#diagnostics", "No problems").await;
        wait_for_text(&c, "#preview", "quokkaflux").await;
        c.find(Locator::Id("note")).await.unwrap().send_keys("new question on translation").await.unwrap();
        // Ctrl+S saves.
        c.find(Locator::Id("note")).await.unwrap().send_keys("\u{E009}s").await.unwrap();
        wait_for_text(&c, "h1", "Edit browser-written-question").await;
        wait_for_text(&c, "#question-status", "draft").await;

        c.goto(&format!("{base}/instructor/questions?exam=MLS-C01&q=quokkaflux")).await.unwrap();
        wait_for_text(&c, "#match-count", "1 question match").await;
        assert!(text_of(&c, "#questions").await.contains("browser-written-question"));
        assert_accessible(&c, "bank browser").await;
    }
    .await;
    c.close().await.ok();
    result
}
