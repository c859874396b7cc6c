//! CSRF protection for every state-changing request.
//!
//! A signed-in session carries a random token (kept by [`TypedSession`]). Pages put it in every form
//! (`<input name="csrf">`) and in a `<meta name="csrf-token">` that scripts send back as the
//! `X-CSRF-Token` header. Any request other than GET/HEAD/OPTIONS without the matching token is refused
//! before it reaches a handler, and so is one whose `Origin` names another site.
//!
//! Anonymous visitors have no session (visiting a page writes nothing on the server). Their only forms,
//! sign-in and sign-up, use a double-submit token instead: a random value in the `mockexam_csrf` cookie
//! (HttpOnly, SameSite=Lax) that the form must repeat; another site can neither read the cookie nor set it.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::error::{AppError, JsonError};
use super::session::TypedSession;

pub const FORM_FIELD: &str = "csrf";
pub const HEADER: &str = "x-csrf-token";
pub const ANON_COOKIE: &str = "mockexam_csrf";

/// The double-submit token of an anonymous visitor (from the cookie, or new for this response).
#[derive(Clone)]
pub struct AnonToken(pub String);

pub async fn verify(mut req: Request, next: Next) -> Response {
    let sent_cookie =
        cookie(req.headers(), ANON_COOKIE).filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    let is_new = sent_cookie.is_none();
    let token = sent_cookie.clone().unwrap_or_else(crate::secret::token);
    req.extensions_mut().insert(AnonToken(token.clone()));
    let mut res = if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        next.run(req).await
    } else {
        let json = super::page::wants_json(req.headers());
        match check(req, sent_cookie.as_deref()).await {
            Ok(req) => next.run(req).await,
            Err(e) if json => JsonError::from(e).into_response(),
            Err(e) => e.into_response(),
        }
    };
    if is_new && let Ok(v) = HeaderValue::from_str(&format!("{ANON_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax")) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The value of the request's cookie `name`, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A POST whose `Origin` is another site is refused (browsers send it on every cross-site POST);
/// without the header (old clients, scripts) the token alone decides.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else { return false };
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
    origin_host.eq_ignore_ascii_case(host)
}

/// Where to come back after signing in again, for a form posted from a session that has ended: the
/// page the form belongs to (the question, the drill question, the exam's start page), else home.
fn page_of(path: &str) -> String {
    let comes_back = ["/attempts/", "/drills/", "/exams/"].iter().any(|p| path.starts_with(p));
    if comes_back { path.to_string() } else { "/".into() }
}

async fn check(req: Request, anon_cookie: Option<&str>) -> Result<Request, AppError> {
    if !same_origin(req.headers()) {
        return Err(AppError::CsrfRejected);
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return Err(AppError::CsrfRejected);
    };
    let expected = match TypedSession::new(session).expected_csrf().await? {
        Some(token) => token,
        // Anonymous forms: the token must repeat the cookie the browser already had.
        None if ANONYMOUS_FORMS.contains(&req.uri().path()) => anon_cookie.ok_or(AppError::CsrfRejected)?.to_string(),
        // No session: it ended (idle too long, signed out elsewhere) or cookies were cleared. Nothing
        // is changed; the visitor signs in again and comes back to the page, where the exam script
        // resends an answer it kept.
        None => return Err(AppError::SignInRequired { next: page_of(req.uri().path()) }),
    };

    if let Some(sent) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            Ok(req)
        } else {
            Err(AppError::CsrfRejected)
        };
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    // A file upload (multipart) carries the token in the address, so the body (megabytes) is not read
    // twice; the form's action is `...?csrf=TOKEN`.
    if content_type.starts_with("multipart/form-data") {
        let sent = req.uri().query().and_then(|q| form_urlencoded_field(q.as_bytes(), FORM_FIELD));
        return match sent {
            Some(sent) if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => Ok(req),
            _ => Err(AppError::CsrfRejected),
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
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

/// The forms a visitor can send before signing in.
const ANONYMOUS_FORMS: [&str; 2] = ["/signin", "/signup"];

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
    fn posts_from_another_origin_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("exam.example:8080"));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://exam.example:8080"));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
    }

    #[test]
    fn compares_tokens_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
