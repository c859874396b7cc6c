//! One error type for the web app. Every handler returns `Result<_, AppError>`; `IntoResponse` renders
//! a friendly page with the right status and never shows internals (those go to the log).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    /// Not signed in: send the visitor to the sign-in page, then back to `next`.
    #[error("sign in required")]
    SignInRequired { next: String },
    #[error("you do not have access to this page")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    /// A request that makes sense but cannot be done now (e.g. an answer after the deadline).
    #[error("{0}")]
    Conflict(String),
    #[error("the request is too large")]
    TooLarge,
    #[error("too many attempts; wait a minute and try again")]
    TooManyRequests,
    #[error("this form has expired or did not come from this site; go back, reload the page and try again")]
    CsrfRejected,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
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
        match &self {
            AppError::SignInRequired { next } => {
                let target = format!("/signin?next={}", urlencode(next));
                return Redirect::to(&target).into_response();
            }
            AppError::Internal(e) => tracing::error!(error = ?e, "request failed"),
            other => tracing::info!(status = other.status().as_u16(), "{other}"),
        }
        error_page(self.status(), &self.public_message())
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|s| s[1..].to_string()).unwrap_or_default()
}

pub type AppResult<T> = Result<T, AppError>;
