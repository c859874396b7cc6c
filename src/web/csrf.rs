//! CSRF protection for every state-changing request.
//!
//! Each session carries a random token (kept by [`TypedSession`]). Pages put it in every form (`<input name="csrf">`) and in a
//! `<meta name="csrf-token">` that scripts send back as the `X-CSRF-Token` header. Any request other
//! than GET/HEAD/OPTIONS without the matching token is refused before it reaches a handler.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::error::{AppError, JsonError};
use super::session::TypedSession;

pub const FORM_FIELD: &str = "csrf";
pub const HEADER: &str = "x-csrf-token";

pub async fn verify(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let json = super::page::wants_json(req.headers());
    match check(req).await {
        Ok(req) => next.run(req).await,
        Err(e) if json => JsonError::from(e).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Where to come back after signing in again, for a form posted from a session that has ended: the
/// page the form belongs to (the question, the drill question, the exam's start page), else home.
fn page_of(path: &str) -> String {
    let comes_back = ["/attempts/", "/drills/", "/exams/"].iter().any(|p| path.starts_with(p));
    if comes_back { path.to_string() } else { "/".into() }
}

async fn check(req: Request) -> Result<Request, AppError> {
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return Err(AppError::CsrfRejected);
    };
    let Some(expected) = TypedSession::new(session).expected_csrf().await? else {
        // This session never showed a form: it ended (idle too long, signed out elsewhere) or cookies
        // were cleared. Nothing is changed; the visitor signs in again and comes back to the page, where
        // the exam script resends an answer it kept. Sign-in and sign-up forms keep the plain refusal.
        let path = req.uri().path();
        if path == "/signin" || path == "/signup" {
            return Err(AppError::CsrfRejected);
        }
        return Err(AppError::SignInRequired { next: page_of(path) });
    };

    if let Some(sent) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            Ok(req)
        } else {
            Err(AppError::CsrfRejected)
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::CsrfRejected);
    }
    // Read the (size-capped) form, find the token, and hand the same bytes on to the handler.
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, super::BODY_LIMIT).await.map_err(|_| AppError::TooLarge)?;
    let sent = form_urlencoded_field(&bytes, FORM_FIELD).ok_or(AppError::CsrfRejected)?;
    if !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        return Err(AppError::CsrfRejected);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_among_other_fields() {
        assert_eq!(form_urlencoded_field(b"a=1&csrf=abc%20d&b=2", "csrf").as_deref(), Some("abc d"));
        assert_eq!(form_urlencoded_field(b"a=1", "csrf"), None);
    }

    #[test]
    fn an_ended_session_comes_back_to_the_page_of_its_form() {
        assert_eq!(page_of("/attempts/1/q/5"), "/attempts/1/q/5");
        assert_eq!(page_of("/drills/1/q/2"), "/drills/1/q/2");
        assert_eq!(page_of("/signout"), "/");
    }

    #[test]
    fn compares_tokens_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
