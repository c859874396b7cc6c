use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn sign_up_sign_out_and_sign_in_again() {
    let app = spawn_app().await;
    let email = unique_email();
    let res = app.sign_up(&email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let home = app.text("/").await;
    assert!(home.contains(&email) && home.contains("Your dashboard"), "signed in after sign-up");

    let res = app.post("/signout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = app.text("/").await;
    assert!(!home.contains(&email) && home.contains("Create a free account"), "signed out");

    let res = app.sign_in(&email.to_uppercase(), PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "email is case-insensitive");
    assert!(app.text("/").await.contains(&email));

    let stored: String = sqlx::query_scalar("select password_hash from users where email = $1")
        .bind(&email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "Argon2id at OWASP minimum: {stored}");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_refused_alike() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    let other = app.another_client();
    let wrong = other.sign_in(&email, "not the password at all").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("Wrong email or password."));
    let unknown = other.sign_in(&unique_email(), PASSWORD).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(unknown.text().await.unwrap().contains("Wrong email or password."));
    assert!(!other.text("/").await.contains(&email), "not signed in");
}

#[tokio::test]
async fn duplicate_email_is_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let email = unique_email();
    assert_eq!(app.sign_up(&email, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let second = app.another_client();
    let res = second.sign_up(&format!("  {}  ", email.to_uppercase()), "another long password").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("already exists"));
    let n: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn weak_input_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let res = app.sign_up("not-an-email", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Enter an email address"));
    let res = app.sign_up(&unique_email(), "short").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("at least 10 characters"));
    let n: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0);
}

async fn sign_in_from(app: &Visitor, email: &str, password: &str, ip: &str) -> StatusCode {
    let token = app.csrf().await;
    app.client
        .post(app.url("/signin"))
        .header("x-forwarded-for", ip)
        .form(&[("email", email), ("password", password), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap()
        .status()
}

async fn failed_sign_in(app: &Visitor, email: &str, ip: &str) -> StatusCode {
    sign_in_from(app, email, "wrong password!", ip).await
}

#[tokio::test]
async fn failed_sign_ins_back_off_per_account_and_per_address_without_locking_the_owner_out() {
    use mockexam::accounts::throttle::{FREE_FAILURES, MAX_PER_ADDRESS};
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    app.post("/signout", &[]).await;

    // Per address: a limit of attempts a minute from one address (for different accounts), 429 there only.
    let attacker = app.another_client();
    for i in 0..MAX_PER_ADDRESS {
        let status = failed_sign_in(&attacker, &format!("x{i}@example.com"), "203.0.113.7").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(failed_sign_in(&attacker, "y@example.com", "203.0.113.7").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(failed_sign_in(&attacker, "y@example.com", "203.0.113.8").await, StatusCode::UNAUTHORIZED);

    // ...but the owner's browser (it signed in here before: known-device cookie) is not held back by
    // the address it shares with the attacker.
    assert_eq!(sign_in_from(&app, &email, PASSWORD, "203.0.113.7").await, StatusCode::SEE_OTHER);
    app.post("/signout", &[]).await;

    // Per account: after the free failures, each attempt from an unknown browser waits a backoff.
    for i in 0..FREE_FAILURES {
        assert_eq!(failed_sign_in(&attacker, &email, &format!("198.51.100.{i}")).await, StatusCode::UNAUTHORIZED);
    }
    let stranger = app.another_client();
    let token = stranger.csrf().await;
    let res = stranger
        .client
        .post(stranger.url("/signin"))
        .header("x-forwarded-for", "192.0.2.50")
        .form(&[("email", email.as_str()), ("password", PASSWORD), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password is not checked yet");
    let wait: u32 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "a short, stated wait: {wait}");
    assert!(res.text().await.unwrap().contains(&format!("wait {wait} seconds")));

    // The owner's known device is judged by its own failures only.
    assert_eq!(sign_in_from(&app, &email, PASSWORD, "192.0.2.99").await, StatusCode::SEE_OTHER);

    // The wait is a backoff, not a lock: once it has passed, the stranger may try again.
    sqlx::query("update sign_in_failures set at = at - interval '61 seconds'").execute(&app.pool).await.unwrap();
    assert_eq!(failed_sign_in(&stranger, &email, "192.0.2.50").await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn parallel_guesses_are_counted_one_by_one() {
    use mockexam::accounts::throttle::FREE_FAILURES;
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    // 40 guesses at once, each from its own address and browser: only the free ones are checked.
    let mut guesses = vec![];
    for i in 0..40 {
        let guesser = app.another_client();
        guesser.csrf().await;
        let email = email.clone();
        guesses.push(tokio::spawn(async move { failed_sign_in(&guesser, &email, &format!("198.18.0.{i}")).await }));
    }
    let mut checked = 0;
    for g in guesses {
        match g.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(checked, FREE_FAILURES, "exactly the free failures were checked, not more");
}

#[tokio::test]
async fn sign_ups_are_throttled_per_address() {
    let app = spawn_app_with(|s| s.sign_ups_per_address = 3).await;
    let sign_up_from = |ip: &'static str| {
        let visitor = app.another_client();
        async move {
            let token = visitor.csrf().await;
            let email = unique_email();
            let fields = [("email", email.as_str()), ("password", PASSWORD), ("csrf", token.as_str())];
            visitor
                .client
                .post(visitor.url("/signup"))
                .header("x-forwarded-for", ip)
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..3 {
        assert_eq!(sign_up_from("203.0.113.20").await.status(), StatusCode::SEE_OTHER);
    }
    let refused = sign_up_from("203.0.113.20").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(sign_up_from("203.0.113.21").await.status(), StatusCode::SEE_OTHER, "other addresses are not affected");
    let n: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 4);
}

#[tokio::test]
async fn common_passwords_and_the_email_itself_are_refused() {
    let app = spawn_app().await;
    let email = unique_email();
    for bad in ["Password123!", "            ", email.as_str(), "qwertyuiop"] {
        let res = app.sign_up(&email, bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
    let n: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused() {
    let app = spawn_app().await;
    let email = unique_email();
    let res = app.post_raw("/signup", &[("email", &email), ("password", PASSWORD)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("did not come from this site"));
    app.csrf().await; // the session now has a token, but not this one
    let res = app.post_raw("/signup", &[("email", &email), ("password", PASSWORD), ("csrf", "forged")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .client
        .post(app.url("/signup"))
        .header("x-csrf-token", "forged")
        .form(&[("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let n: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0, "nothing was created");
}

#[tokio::test]
async fn instructor_pages_need_the_instructor_role() {
    let app = spawn_app().await;
    let anonymous = app.get("/instructor").await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&anonymous), "/signin?next=%2Finstructor");

    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    let student = app.get("/instructor").await;
    assert_eq!(student.status(), StatusCode::FORBIDDEN);

    let parsed = mockexam::accounts::Email::parse(&email).unwrap();
    assert!(mockexam::accounts::grant(&app.pool, &parsed, mockexam::accounts::Role::Instructor).await.unwrap());
    let page = app.text("/instructor").await;
    assert!(page.contains("MLS-C01") && page.contains("Needed per mock"));
}

#[tokio::test]
async fn sign_in_issues_a_new_session_id_and_safe_cookies() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, PASSWORD).await;
    app.get("/").await; // shows (and so removes) the welcome notice
    let again = app.get("/").await;
    assert!(session_cookie(&again).is_none(), "reading a page does not rewrite the session");
    app.post("/signout", &[]).await;

    // An anonymous visitor gets no session, only the double-submit token cookie for the form.
    let stranger = app.another_client();
    let res = stranger.get("/signin").await;
    assert!(session_cookie(&res).is_none(), "no session for an anonymous page");
    let anon = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("mockexam_csrf="))
        .expect("form token cookie")
        .to_string();
    assert!(anon.contains("HttpOnly") && anon.contains("SameSite=Lax"), "{anon}");

    // A planted session id is worthless: signing in issues a new one.
    let planted = "mockexam_session=planted-id-from-an-attacker";
    let token = csrf_in(&res.text().await.unwrap()).unwrap();
    let res = stranger
        .client
        .post(stranger.url("/signin"))
        .header("cookie", format!("{planted}; {}", cookie_value(&anon)))
        .form(&[("email", email.as_str()), ("password", PASSWORD), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = session_cookie(&res).expect("session cookie at sign-in");
    assert!(after.contains("HttpOnly") && after.contains("SameSite=Lax"), "{after}");
    assert_ne!(cookie_value(&after), planted, "session id chosen by the server");
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("mockexam_session="))
        .map(str::to_string)
}

fn cookie_value(c: &str) -> &str {
    c.split(';').next().unwrap_or_default()
}

#[tokio::test]
async fn pages_carry_security_headers_and_errors_are_friendly() {
    let app = spawn_app().await;
    let res = app.get("/signin").await;
    let h = res.headers();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline")
    );
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get("content-security-policy").is_some());
    assert!(missing.text().await.unwrap().contains("There is no page at this address."));
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let token = app.csrf().await;
    let huge = "x".repeat(300 * 1024);
    let res = app
        .client
        .post(app.url("/signin"))
        .form(&[("email", huge.as_str()), ("password", "x"), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn health_check_answers_when_the_database_does() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    app.pool.close().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn malformed_requests_get_the_friendly_error_page() {
    let app = spawn_app().await;
    let res = app.post("/signin", &[("email", "someone@example.com")]).await; // no password field
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("content-security-policy").is_some());
    assert!(res.text().await.unwrap().contains("The form was incomplete"));
    app.sign_up(&unique_email(), PASSWORD).await;
    let res = app.get("/attempts/not-an-id/q/1").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("Back to the dashboard"));
    let res = app.get("/attempts/00000000-0000-0000-0000-000000000000/q/x").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_json_request_leaves_the_one_off_notice_for_the_next_page() {
    let app = spawn_app().await;
    assert_eq!(app.sign_up(&unique_email(), PASSWORD).await.status(), StatusCode::SEE_OTHER);
    // An autosave-like request (Accept: application/json) in between must not consume the notice.
    let json = app.client.get(app.url("/")).header("accept", "application/json").send().await.unwrap();
    assert!(!json.text().await.unwrap().contains("Welcome!"));
    let page = app.text("/").await;
    assert!(text_at(&page, ".notice").contains("Welcome! Your account is ready."), "the notice survived");
    assert!(!app.text("/").await.contains("Welcome!"), "and shows once");
}
