//! The web's one error type. Every handler returns `AppResult<_>`; `IntoResponse` renders a friendly
//! page with the right status and never shows internals (those go to the log). Domain errors
//! (`ExamError`, `AccountError`, ...) are owned by their modules and mapped here, at the edge, by `From`.
//!
//! Two things that are not failures travel the same way, so handlers can use `?` throughout:
//! [`AppError::Redirect`] (e.g. a finished attempt's question page sends the candidate to the results)
//! and [`AppError::SignInRequired`]. Script endpoints wrap the error in [`JsonError`] to answer JSON.

use askama::Template;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;

use crate::accounts::AccountError;
use crate::authoring::AuthoringError;
use crate::drill::DrillError;
use crate::exam::ExamError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    /// Not signed in: send the visitor to the sign-in page, then back to `next`.
    #[error("sign in required")]
    SignInRequired { next: String },
    /// Not an error: the answer to this request is another page.
    #[error("see {0}")]
    Redirect(String),
    #[error("you do not have access to this page")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed, but asks for something the rules refuse (e.g. an option outside the question).
    #[error("{0}")]
    Unprocessable(String),
    /// A request that makes sense but cannot be done now (e.g. an answer after the deadline).
    #[error("{0}")]
    Conflict(String),
    #[error("the request is too large")]
    TooLarge,
    #[error("this address takes a form (application/x-www-form-urlencoded) and nothing else; nothing was changed")]
    UnsupportedMediaType,
    #[error("too many attempts; please wait {retry_after} seconds and try again")]
    TooManyRequests { retry_after: u32 },
    #[error("this form has expired or did not come from this site; go back, reload the page and try again")]
    CsrfRejected,
    /// The server is too busy or its database is briefly out of reach: nothing was changed, and the
    /// client may try again after `RETRY_AFTER_SECONDS` (503 with `Retry-After`).
    #[error("the server is busy right now; nothing was changed. Please try again in a few seconds")]
    Unavailable,
    /// The request took too long and was given up (503, not 408, so browsers do not resend a POST).
    #[error("this took too long and was stopped; nothing more will happen. Please try again")]
    TimedOut,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// What a 503 tells the client to wait before trying again.
pub const RETRY_AFTER_SECONDS: u32 = 2;

impl AppError {
    /// A redirect to `path` (303 See Other, so a POST is followed by a GET).
    pub fn redirect(path: impl Into<String>) -> Self {
        AppError::Redirect(path.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::SignInRequired { .. } | AppError::Redirect(_) => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable | AppError::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the visitor reads. Internal errors say only that something went wrong.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "Something went wrong on our side. It has been logged; please try again.".into(),
            other => other.to_string(),
        }
    }

    /// Seconds a 503 or 429 asks the client to wait.
    fn retry_after(&self) -> Option<u32> {
        match self {
            AppError::TooManyRequests { retry_after } => Some(*retry_after),
            AppError::Unavailable | AppError::TimedOut => Some(RETRY_AFTER_SECONDS),
            _ => None,
        }
    }

    /// Where the browser should go instead, for redirects.
    fn location(&self) -> Option<String> {
        match self {
            AppError::SignInRequired { next } => Some(format!("/signin?next={}", urlencode(next))),
            AppError::Redirect(to) => Some(to.clone()),
            _ => None,
        }
    }

    fn log(&self) {
        match self {
            AppError::Internal(e) => tracing::error!(error = ?e, "request failed"),
            AppError::Redirect(_) | AppError::SignInRequired { .. } => {}
            other => tracing::info!(status = other.status().as_u16(), "{other}"),
        }
    }
}

// No blanket "row not found is a 404": a query that finds nothing where something must exist is a bug
// and is logged as one. Lookups that may miss return `Option` and say `NotFound` themselves.
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_transient(&e) {
            tracing::warn!(error = %e, "database busy or unreachable; answering 503");
            super::metrics::count_unavailable();
            return AppError::Unavailable;
        }
        AppError::Internal(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<ExamError> for AppError {
    fn from(e: ExamError) -> Self {
        match e {
            ExamError::NotFound => AppError::NotFound,
            ExamError::InvalidAnswer(msg) => AppError::Unprocessable(msg),
            e @ (ExamError::Finished | ExamError::Late | ExamError::TooSmall(_) | ExamError::Stale) => {
                AppError::Conflict(e.to_string())
            }
            ExamError::Db(e) => e.into(),
        }
    }
}

impl From<DrillError> for AppError {
    fn from(e: DrillError) -> Self {
        match e {
            DrillError::NotFound => AppError::NotFound,
            DrillError::InvalidAnswer(msg) => AppError::Unprocessable(msg),
            e @ DrillError::Empty => AppError::Unprocessable(e.to_string()),
            e @ DrillError::Finished => AppError::Conflict(e.to_string()),
            DrillError::Db(e) => e.into(),
        }
    }
}

impl From<AuthoringError> for AppError {
    fn from(e: AuthoringError) -> Self {
        match e {
            AuthoringError::NotFound => AppError::NotFound,
            e @ (AuthoringError::Changed | AuthoringError::Transition { .. }) => AppError::Conflict(e.to_string()),
            e @ (AuthoringError::IdTaken(_) | AuthoringError::NoChange | AuthoringError::Unreadable(_)) => {
                AppError::Unprocessable(e.to_string())
            }
            AuthoringError::Db(e) => e.into(),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> Self {
        match e {
            e @ AccountError::DuplicateEmail => AppError::Conflict(e.to_string()),
            e @ AccountError::WrongPassword => AppError::Unprocessable(e.to_string()),
            AccountError::Busy => AppError::Unavailable,
            AccountError::Db(e) => e.into(),
            AccountError::Other(e) => AppError::Internal(e),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

/// Renders the error page; falls back to plain text if the template itself fails.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let page = ErrorPage { status: status.as_u16(), title: status.canonical_reason().unwrap_or("Error"), message };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        if let Some(to) = self.location() {
            return Redirect::to(&to).into_response();
        }
        let retry = self.retry_after();
        with_retry_after(retry, error_page(self.status(), &self.public_message()))
    }
}

/// Adds `Retry-After` to a 503 or 429, so clients (and the exam script) know when to try again.
fn with_retry_after(seconds: Option<u32>, mut res: Response) -> Response {
    if let Some(seconds) = seconds {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    res
}

/// The JSON form of [`AppError`], for script endpoints (the exam page's autosave):
/// `{"saved": false, "error": "...", "redirect": "..."}` with the same status; a redirect or a
/// sign-in requirement is told in `redirect` rather than followed.
#[derive(Debug)]
pub struct JsonError {
    pub error: AppError,
    /// Where the page should go next (e.g. the results of a finished attempt).
    pub redirect: Option<String>,
}

impl JsonError {
    pub fn with_redirect(mut self, to: impl Into<String>) -> Self {
        self.redirect = Some(to.into());
        self
    }
}

impl<E: Into<AppError>> From<E> for JsonError {
    fn from(e: E) -> Self {
        JsonError { error: e.into(), redirect: None }
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        self.error.log();
        let redirect = self.redirect.or_else(|| self.error.location());
        let status = match self.error {
            AppError::Redirect(_) => StatusCode::CONFLICT,
            AppError::SignInRequired { .. } => StatusCode::UNAUTHORIZED,
            ref other => other.status(),
        };
        let body = json!({ "saved": false, "error": self.error.public_message(), "redirect": redirect });
        with_retry_after(self.error.retry_after(), (status, Json(body)).into_response())
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|s| s[1..].to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_redirects_come_back_here() {
        let e = AppError::SignInRequired { next: "/attempts/1?x=a b".into() };
        assert_eq!(e.location().as_deref(), Some("/signin?next=%2Fattempts%2F1%3Fx%3Da+b"));
    }

    #[test]
    fn exam_errors_map_to_statuses() {
        assert_eq!(AppError::from(ExamError::NotFound).status(), StatusCode::NOT_FOUND);
        assert_eq!(AppError::from(ExamError::Late).status(), StatusCode::CONFLICT);
        assert_eq!(AppError::from(ExamError::InvalidAnswer("x".into())).status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(AppError::from(sqlx::Error::RowNotFound).status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
