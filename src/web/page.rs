//! What every page needs: who is signed in, the CSRF token for its forms, a one-off notice, and the
//! client's address. `Ctx` is an extractor, so handlers just take it as an argument; access rules are
//! the [`super::extract`] extractors'.

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::Html;

use super::AppState;
use super::error::{AppError, AppResult};
use super::extract::{here, signed_in};
use super::session::TypedSession;
use crate::accounts::{Role, User};

pub struct Ctx {
    pub user: Option<User>,
    pub csrf: String,
    /// The one-off notice to show on this page. A JSON request (autosave) leaves it for the next page.
    pub notice: Option<String>,
    pub path: String,
    pub ip: IpAddr,
    pub session: TypedSession,
}

impl Ctx {
    /// A message shown once on the next page rendered.
    pub async fn flash(&self, message: impl Into<String>) -> AppResult<()> {
        Ok(self.session.flash(message).await?)
    }

    pub fn is_instructor(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Instructor)
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = TypedSession::from_request_parts(parts, state).await?;
        let user = signed_in(parts, state).await?;
        let csrf = session.csrf_token().await?;
        let notice = if wants_json(&parts.headers) { None } else { session.take_notice().await? };
        let ip = client_ip(parts, state.settings.trust_forwarded_for);
        Ok(Ctx { user, csrf, notice, path: here(parts), ip, session })
    }
}

/// Whether the client asked for JSON (the exam page's autosave does).
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

fn client_ip(parts: &Parts, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for
        && let Some(ip) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return ip;
    }
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

pub fn render<T: Template>(page: &T) -> AppResult<Html<String>> {
    Ok(Html(page.render()?))
}
