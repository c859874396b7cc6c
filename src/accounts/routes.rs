//! Sign up, sign in, sign out (here or everywhere), change password. Handlers stay thin: parse the
//! form, call the domain, render or redirect.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{AccountError, Email, NewPassword, Role, throttle};
use crate::web::csrf::cookie;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{Form, Query};
use crate::web::{AppState, Ctx, CurrentUser, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup))
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
        .route("/signout/everywhere", post(signout_everywhere))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage<'a> {
    ctx: &'a Ctx,
    email: &'a str,
    error: Option<String>,
    min_password: usize,
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

async fn signup(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> AppResult<Response> {
    let parsed = Email::parse(&form.email).and_then(|e| NewPassword::parse(&form.password, e.as_str()).map(|p| (e, p)));
    let failure = match parsed {
        Ok((email, password)) => {
            if let Err(wait) = throttle::begin_sign_up(&state.pool, ctx.ip, state.settings.sign_ups_per_address).await?
            {
                return Err(AppError::TooManyRequests { retry_after: wait });
            }
            match super::create(&state.pool, &email, &password, Role::Student).await {
                Ok(user) => {
                    sign_in(&state, &ctx, user.id).await?;
                    ctx.flash("Welcome! Your account is ready.").await?;
                    return remember_device(&state, &headers, user.id, Redirect::to("/").into_response()).await;
                }
                Err(e @ AccountError::DuplicateEmail) => e.to_string(),
                Err(e) => return Err(e.into()),
            }
        }
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
    let attempt = match throttle::begin(&state.pool, &email, ctx.ip, known).await? {
        Ok(attempt) => attempt,
        Err(wait) => return Err(AppError::TooManyRequests { retry_after: wait }),
    };
    // The attempt stays on record as a failure unless the password is right, or was never checked
    // (the server was too busy to hash it: that was no guess).
    let user = match super::authenticate(&state.pool, &email, &form.password).await {
        Ok(user) => user,
        Err(e) => {
            throttle::not_a_failure(&state.pool, attempt).await?;
            return Err(e.into());
        }
    };
    let Some(user) = user else {
        let page = SignInPage { ctx: &ctx, email: &form.email, next, error: Some("Wrong email or password.".into()) };
        return Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response());
    };
    throttle::not_a_failure(&state.pool, attempt).await?;
    sign_in(&state, &ctx, user.id).await?;
    remember_device(&state, &headers, user.id, Redirect::to(next).into_response()).await
}

/// A new login row for the user, kept by the session.
async fn sign_in(state: &AppState, ctx: &Ctx, user_id: uuid::Uuid) -> AppResult<()> {
    let login = super::open_login(&state.pool, user_id).await?;
    Ok(ctx.session.sign_in(login).await?)
}

/// Marks this browser as one the account's owner uses, so a sign-in flood by someone else does not
/// lock it out (see `throttle`).
async fn remember_device(
    state: &AppState,
    headers: &HeaderMap,
    user_id: uuid::Uuid,
    mut res: Response,
) -> AppResult<Response> {
    let existing = cookie(headers, throttle::DEVICE_COOKIE);
    let Some(token) = throttle::remember_device(&state.pool, user_id, existing.as_deref()).await? else {
        return Ok(res);
    };
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{}={token}; Path=/signin; Max-Age=31536000; HttpOnly; SameSite=Strict{secure}",
        throttle::DEVICE_COOKIE
    );
    res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?);
    Ok(res)
}

/// Signs this session out on the server (its login is revoked, so a request still in flight that
/// writes the session back cannot undo it), then forgets the session.
async fn signout(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Some(login) = ctx.session.login_id().await? {
        super::revoke_login(&state.pool, login).await?;
    }
    ctx.session.sign_out().await?;
    Ok(Redirect::to("/").into_response())
}

/// Ends every session of this account, this one included.
async fn signout_everywhere(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: Ctx,
) -> AppResult<Response> {
    super::revoke_other_logins(&state.pool, user.id, None).await?;
    ctx.session.sign_out().await?;
    Ok(Redirect::to("/signin").into_response())
}

async fn account_page(CurrentUser(user): CurrentUser, ctx: Ctx) -> AppResult<Response> {
    let page = AccountPage { ctx: &ctx, email: &user.email, error: None, min_password: super::MIN_PASSWORD_CHARS };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// A new password, after the current one; every other session of the account is signed out.
async fn change_password(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ctx: Ctx,
    Form(form): Form<PasswordChange>,
) -> AppResult<Response> {
    let login = ctx.session.login_id().await?.ok_or_else(|| AppError::SignInRequired { next: "/account".into() })?;
    let failure = match NewPassword::parse(&form.new, &user.email) {
        Ok(new) => match super::change_password(&state.pool, &user, &form.current, &new, login).await {
            Ok(ended) => {
                let others = match ended {
                    0 => String::new(),
                    1 => " One other session was signed out.".into(),
                    n => format!(" {n} other sessions were signed out."),
                };
                ctx.flash(format!("Your password has been changed.{others}")).await?;
                return Ok(Redirect::to("/account").into_response());
            }
            Err(e @ AccountError::WrongPassword) => e.to_string(),
            Err(e) => return Err(e.into()),
        },
        Err(message) => message,
    };
    let page =
        AccountPage { ctx: &ctx, email: &user.email, error: Some(failure), min_password: super::MIN_PASSWORD_CHARS };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// Only a path on this site is followed after sign-in: it starts with one `/` (not `//` or `/\`, which
/// browsers read as another host) and holds only printable ASCII without spaces or backslashes,
/// because browsers drop tabs and newlines from URLs (`/<TAB>/evil.example` becomes
/// `//evil.example`) and a CR or LF cannot go into a header at all.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
                && !n.to_ascii_lowercase().starts_with("/%2f")
                && !n.to_ascii_lowercase().starts_with("/%5c") =>
        {
            n
        }
        _ => "/",
    }
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
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/x\r\nSet-Cookie: a=b")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(Some("/%2F%2Fevil.example")), "/");
        assert_eq!(safe_next(Some("/exams/MLS-C01/start?x=1")), "/exams/MLS-C01/start?x=1");
    }

    #[test]
    fn reads_one_cookie_among_many() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; mockexam_device=xyz; b=2"));
        assert_eq!(cookie(&h, "mockexam_device").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
