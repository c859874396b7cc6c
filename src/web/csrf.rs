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

use super::error::AppError;
use super::session::TypedSession;

pub const FORM_FIELD: &str = "csrf";
pub const HEADER: &str = "x-csrf-token";

pub async fn verify(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    match check(req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn check(req: Request) -> Result<Request, AppError> {
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return Err(AppError::CsrfRejected);
    };
    let expected = TypedSession::new(session).expected_csrf().await?.ok_or(AppError::CsrfRejected)?;

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
    fn compares_tokens_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
