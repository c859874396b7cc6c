//! Hardening (issue 18): no flood, lock or cancelled request takes the app down, and the security
//! gaps found by the probe stay closed. Each test fails on the code before its fix.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::exam::{answer, start_mock};
use crate::helpers::*;

async fn session_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from tower_sessions.session").fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn anonymous_visits_write_no_session_rows() {
    let app = spawn_app().await;
    for _ in 0..3 {
        let visitor = app.another_client();
        for path in ["/", "/signin", "/signup", "/healthz"] {
            visitor.get(path).await;
        }
    }
    assert_eq!(session_rows(&app).await, 0, "no session for anonymous pages");
    // Signing up from such a visitor still works (the form's token is the double-submit cookie).
    let res = app.sign_up(&unique_email(), PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(session_rows(&app).await, 1);
}

#[tokio::test]
async fn a_forged_or_missing_anonymous_token_is_refused() {
    let app = spawn_app().await;
    app.get("/signin").await; // the browser now holds a token cookie
    let forged = app.post_raw("/signin", &[("email", "a@example.com"), ("password", PASSWORD), ("csrf", "0")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // Another site's form: the right token could not be known, and its Origin gives it away anyway.
    let token = app.csrf().await;
    let cross = app
        .client
        .post(app.url("/signin"))
        .header("origin", "https://evil.example")
        .form(&[("email", "a@example.com"), ("password", PASSWORD), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sign_out_is_final_even_when_a_request_in_flight_writes_the_session_back() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), PASSWORD).await;
    assert_eq!(app.get("/").await.status(), StatusCode::OK);
    // What an autosave in flight would write back after the sign-out: the session as it was.
    let saved: Vec<(String, Vec<u8>, time::OffsetDateTime)> =
        sqlx::query_as("select id, data, expiry_date from tower_sessions.session").fetch_all(&app.pool).await.unwrap();
    assert_eq!(app.post("/signout", &[]).await.status(), StatusCode::SEE_OTHER);
    for (id, data, expiry) in &saved {
        sqlx::query("insert into tower_sessions.session (id, data, expiry_date) values ($1, $2, $3) on conflict (id) do update set data = excluded.data")
            .bind(id)
            .bind(data)
            .bind(expiry)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    // The old cookie, replayed: the session row is back, but its login was revoked.
    let cookie = format!("mockexam_session={}", saved[0].0);
    let res = client().get(app.url("/drill")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed out for good");
    assert!(location(&res).starts_with("/signin"));
}

#[tokio::test]
async fn sign_out_everywhere_and_a_password_change_end_the_other_sessions() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    let laptop = app.another_client();
    assert_eq!(laptop.sign_in(&email, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let phone = app.another_client();
    assert_eq!(phone.sign_in(&email, PASSWORD).await.status(), StatusCode::SEE_OTHER);

    // A password change signs out the laptop and phone, not this browser.
    let new = "a different long passphrase";
    let wrong = app.post("/account/password", &[("current", "not my password"), ("new", new)]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app.post("/account/password", &[("current", PASSWORD), ("new", new)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.text("/account").await.contains("2 other sessions were signed out"));
    assert_eq!(laptop.get("/drill").await.status(), StatusCode::SEE_OTHER, "laptop signed out");
    assert_eq!(app.get("/drill").await.status(), StatusCode::OK, "this browser stays signed in");
    assert_eq!(phone.sign_in(&email, PASSWORD).await.status(), StatusCode::UNAUTHORIZED, "old password gone");
    assert_eq!(phone.sign_in(&email, new).await.status(), StatusCode::SEE_OTHER);

    // Sign out everywhere: this browser too.
    assert_eq!(app.post("/signout/everywhere", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/drill").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(phone.get("/drill").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn next_after_sign_in_never_leaves_the_site_and_never_breaks_the_header() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    app.post("/signout", &[]).await;
    for next in ["/\t/evil.example", "/\n/evil.example", "/x\r\nSet-Cookie: a=b", "//evil.example", "/\\evil.example"] {
        let res = app.post("/signin", &[("email", &email), ("password", PASSWORD), ("next", next)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&res), "/", "{next:?}");
        app.post("/signout", &[]).await;
    }
    let res = app.post("/signin", &[("email", &email), ("password", PASSWORD), ("next", "/drill?scope=x")]).await;
    assert_eq!(location(&res), "/drill?scope=x");
}

#[tokio::test]
async fn the_client_address_is_the_one_the_proxy_appended() {
    let app = spawn_app().await; // one trusted proxy
    let token = app.csrf().await;
    app.client
        .post(app.url("/signin"))
        .header("x-forwarded-for", "6.6.6.6, 203.0.113.5")
        .form(&[("email", "nobody@example.com"), ("password", "wrong password!"), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    let ip: String = sqlx::query_scalar("select ip from sign_in_failures").fetch_one(&app.pool).await.unwrap();
    assert_eq!(ip, "203.0.113.5", "not the entry the client wrote");
}

#[tokio::test]
async fn a_held_row_lock_slows_only_its_own_candidate_and_never_starves_the_pool() {
    let app = spawn_app().await;
    let blocked = app.another_client();
    let attempt = start_mock(&blocked).await;
    let others: Vec<_> = (0..3).map(|_| app.another_client()).collect();
    let mut their_attempts = vec![];
    for o in &others {
        their_attempts.push(start_mock(o).await);
    }
    // A slow transaction (another program's: none of the app's limits apply) holds the blocked
    // candidate's attempt row.
    use sqlx::Connection;
    let mut holder = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    sqlx::query("begin").execute(&mut holder).await.unwrap();
    sqlx::query("select 1 from attempts where id = $1 for update").bind(attempt).execute(&mut holder).await.unwrap();

    // Twenty saves of that candidate at once, more than the pool has connections...
    let started = Instant::now();
    let stuck: Vec<_> = (0..20)
        .map(|i| {
            let b = blocked.clone();
            tokio::spawn(async move { answer(&b, attempt, 1 + i % 5, &[0]).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // ...while the others keep answering.
    let mut slowest = Duration::ZERO;
    for (o, a) in others.iter().zip(&their_attempts) {
        let t = Instant::now();
        assert_eq!(answer(o, *a, 1, &[1]).await.status(), StatusCode::SEE_OTHER);
        slowest = slowest.max(t.elapsed());
    }
    eprintln!("while one attempt row was locked, other candidates' saves took at most {slowest:?}");
    assert!(slowest < Duration::from_secs(6), "another candidate waited {slowest:?}");
    for s in stuck {
        let res = s.await.unwrap();
        let to = location(&res);
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "a clear, quick refusal (not {to})");
        assert!(res.headers().contains_key("retry-after"));
    }
    assert!(started.elapsed() < Duration::from_secs(15), "all answered in {:?}", started.elapsed());
    sqlx::query("rollback").execute(&mut holder).await.unwrap();
    assert_eq!(answer(&blocked, attempt, 1, &[0]).await.status(), StatusCode::SEE_OTHER, "fine once released");
}

#[tokio::test]
async fn dropped_requests_leave_no_connection_inside_a_transaction() {
    let app = spawn_app().await;
    // A storm of requests that the client abandons after a few milliseconds, while sign-in
    // transactions (the throttle's) are in flight.
    let storm: Vec<_> = (0..200u64)
        .map(|i| {
            let visitor = app.another_client();
            tokio::spawn(async move {
                let token = visitor.csrf().await;
                let quick = reqwest::Client::builder().timeout(Duration::from_millis(1 + i % 15)).build().unwrap();
                let cookie = format!("mockexam_csrf={token}");
                let _ = quick
                    .post(visitor.url("/signin"))
                    .header("cookie", cookie)
                    .header("x-forwarded-for", format!("198.18.{}.{}", i / 250, i % 250))
                    .form(&[
                        ("email", format!("storm{i}@example.com")),
                        ("password", "wrong password!".into()),
                        ("csrf", token),
                    ])
                    .send()
                    .await;
            })
        })
        .collect();
    for s in storm {
        s.await.unwrap();
    }
    // Then sign-ups: every one is answered and its row is really committed.
    let mut emails = vec![];
    for _ in 0..20 {
        let visitor = app.another_client();
        let email = unique_email();
        assert_eq!(visitor.sign_up(&email, PASSWORD).await.status(), StatusCode::SEE_OTHER);
        emails.push(email);
    }
    let committed: i64 = sqlx::query_scalar("select count(*) from users where email = any($1)")
        .bind(&emails)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(committed, 20);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dirty: i64 = sqlx::query_scalar(
        "select count(*) from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(dirty, 0, "no pooled connection was left inside a transaction");
}

#[tokio::test]
async fn a_sign_up_burst_is_answered_503_with_retry_after_not_queued_without_bound() {
    let app = spawn_app().await;
    let burst: Vec<_> = (0..100)
        .map(|_| {
            let visitor = app.another_client();
            tokio::spawn(async move {
                visitor.csrf().await;
                visitor.sign_up(&unique_email(), PASSWORD).await
            })
        })
        .collect();
    let (mut created, mut busy) = (0, 0);
    for b in burst {
        let res = b.await.unwrap();
        match res.status() {
            StatusCode::SEE_OTHER => created += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(res.headers()["retry-after"], "2");
                assert!(res.text().await.unwrap().contains("nothing was changed"));
                busy += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(created > 0 && busy > 0, "created {created}, refused {busy}");
    let users: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(users, created, "a refused sign-up created nothing");
}

#[tokio::test]
async fn half_sent_requests_are_cut_off_and_the_app_keeps_answering() {
    let app = spawn_app_with(|s| {
        s.header_timeout = Duration::from_secs(1);
        s.max_connections = 100;
    })
    .await;
    let mut slow = vec![];
    for _ in 0..300 {
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
        slow.push(stream);
    }
    let t = Instant::now();
    let res = tokio::time::timeout(Duration::from_secs(10), client().get(app.url("/healthz")).send()).await;
    assert_eq!(res.expect("health answered in time").unwrap().status(), StatusCode::OK);
    assert!(t.elapsed() < Duration::from_secs(8), "healthz took {:?}", t.elapsed());
    // The half-sent connections were closed by the server (reading to the end finishes).
    let mut rest = vec![];
    let first = slow.first_mut().unwrap();
    tokio::time::timeout(Duration::from_secs(5), first.read_to_end(&mut rest))
        .await
        .expect("closed by the server")
        .ok();
}

#[tokio::test]
async fn a_json_body_cannot_clear_a_saved_answer_and_a_late_submit_is_a_timeout() {
    let app = spawn_app().await;
    let attempt = start_mock(&app).await;
    assert_eq!(answer(&app, attempt, 1, &[2]).await.status(), StatusCode::SEE_OTHER);
    let token = app.csrf().await;
    let res = app
        .client
        .post(app.url(&format!("/attempts/{attempt}/q/1")))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .json(&serde_json::json!({"choice": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let chosen: Vec<i32> =
        sqlx::query_scalar("select chosen from attempt_items where attempt_id = $1 and position = 1")
            .bind(attempt)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(chosen.len(), 1, "the saved answer is kept");

    sqlx::query("update attempts set deadline = now() - interval '1 second' where id = $1")
        .bind(attempt)
        .execute(&app.pool)
        .await
        .unwrap();
    app.post(&format!("/attempts/{attempt}/submit"), &[]).await;
    let reason: String = sqlx::query_scalar("select finish_reason from attempts where id = $1")
        .bind(attempt)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(reason, "timeout");
}

#[tokio::test]
async fn hsts_only_behind_https_and_metrics_count_requests_by_route() {
    let plain = spawn_app().await;
    assert!(!plain.get("/signin").await.headers().contains_key("strict-transport-security"));
    let secure = spawn_app_with(|s| s.secure_cookies = true).await;
    let res = secure.get("/signin").await;
    assert!(res.headers()["strict-transport-security"].to_str().unwrap().contains("max-age=31536000"));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let metrics = mockexam::web::metrics::router(plain.pool.clone());
    tokio::spawn(async move { axum::serve(listener, metrics).await.unwrap() });
    let text = client().get(format!("http://{addr}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"route="/signin",status="200""#), "{text}");
    for name in [
        "mockexam_db_pool_in_use",
        "mockexam_open_attempts",
        "mockexam_password_hashes_queued",
        "mockexam_unavailable_total",
    ] {
        assert!(text.contains(name), "{name} missing");
    }
}
