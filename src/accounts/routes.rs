//! Sign up, sign in, sign out. Handlers stay thin: parse the form, call the domain, render or redirect.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{CreateError, Email, NewPassword, Role, throttle};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{Form, Query};
use crate::web::{AppState, Ctx, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup))
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
}

#[derive(Template)]
#[template(path = "accounts/signup.html")]
struct SignUpPage<'a> {
    ctx: &'a Ctx,
    email: &'a str,
    error: Option<String>,
    min_password: usize,
}

#[derive(Template)]
#[template(path = "accounts/signin.html")]
struct SignInPage<'a> {
    ctx: &'a Ctx,
    email: &'a str,
    next: &'a str,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

async fn signup_page(ctx: Ctx) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(render(&SignUpPage { ctx: &ctx, email: "", error: None, min_password: super::MIN_PASSWORD_CHARS })?
        .into_response())
}

async fn signup(State(state): State<AppState>, ctx: Ctx, Form(form): Form<Credentials>) -> AppResult<Response> {
    let parsed = Email::parse(&form.email).and_then(|e| NewPassword::parse(&form.password).map(|p| (e, p)));
    let failure = match parsed {
        Ok((email, password)) => match super::create(&state.pool, &email, &password, Role::Student).await {
            Ok(user) => {
                ctx.session.sign_in(user.id).await?;
                ctx.flash("Welcome! Your account is ready.").await?;
                return remember_device(&state, user.id, Redirect::to("/").into_response()).await;
            }
            Err(e @ CreateError::DuplicateEmail) => e.to_string(),
            Err(e) => return Err(e.into()),
        },
        Err(message) => message,
    };
    let page =
        SignUpPage { ctx: &ctx, email: &form.email, error: Some(failure), min_password: super::MIN_PASSWORD_CHARS };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

async fn signin_page(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    let next = safe_next(q.next.as_deref());
    if ctx.user.is_some() {
        return Ok(Redirect::to(next).into_response());
    }
    Ok(render(&SignInPage { ctx: &ctx, email: "", next, error: None })?.into_response())
}

async fn signin(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> AppResult<Response> {
    let email = form.email.trim().to_lowercase();
    let next = safe_next(form.next.as_deref());
    let device = cookie(&headers, throttle::DEVICE_COOKIE);
    let known = throttle::is_known_device(&state.pool, &email, device.as_deref()).await?;
    if throttle::is_throttled(&state.pool, &email, ctx.ip, known).await? {
        return Err(AppError::TooManyRequests);
    }
    let Some(user) = super::authenticate(&state.pool, &email, &form.password).await? else {
        throttle::record_failure(&state.pool, &email, ctx.ip).await?;
        let page = SignInPage { ctx: &ctx, email: &form.email, next, error: Some("Wrong email or password.".into()) };
        return Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response());
    };
    ctx.session.sign_in(user.id).await?;
    remember_device(&state, user.id, Redirect::to(next).into_response()).await
}

/// Marks this browser as one the account's owner uses, so a sign-in flood by someone else does not
/// lock it out (see `throttle`).
async fn remember_device(state: &AppState, user_id: uuid::Uuid, mut res: Response) -> AppResult<Response> {
    let token = throttle::remember_device(&state.pool, user_id).await?;
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{}={token}; Path=/signin; Max-Age=31536000; HttpOnly; SameSite=Strict{secure}",
        throttle::DEVICE_COOKIE
    );
    res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?);
    Ok(res)
}

async fn signout(ctx: Ctx) -> AppResult<Response> {
    ctx.session.sign_out().await?;
    Ok(Redirect::to("/").into_response())
}

/// Only same-site paths are followed after sign-in (no open redirect to another host).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/exam/1")), "/exam/1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn reads_one_cookie_among_many() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; mockexam_device=xyz; b=2"));
        assert_eq!(cookie(&h, "mockexam_device").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
