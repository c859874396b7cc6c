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
        let user = signed_in(parts, state).await?;
        Ctx::build(parts, state, user).await
    }
}

impl Ctx {
    async fn build(parts: &mut Parts, state: &AppState, user: Option<User>) -> AppResult<Self> {
        let session = TypedSession::from_request_parts(parts, state).await?;
        // The session's token when it has one (always, once signed in); otherwise the double-submit
        // cookie's, so that showing a page to an anonymous visitor writes nothing on the server.
        let csrf = match (session.expected_csrf().await?, parts.extensions.get::<super::csrf::AnonToken>()) {
            (Some(token), _) => token,
            (None, Some(anon)) if user.is_none() => anon.0.clone(),
            _ => session.csrf_token().await?,
        };
        let notice = if wants_json(&parts.headers) { None } else { session.take_notice().await? };
        let ip = client_ip(parts, state.settings.trusted_proxies);
        Ok(Ctx { user, csrf, notice, path: here(parts), ip, session })
    }
}

/// [`Ctx`] without looking the user up, and the session's login: for the exam's hot paths, whose one
/// statement checks the login itself and returns the user (`ctx.user` is then set from it).
pub struct SessionCtx {
    pub ctx: Ctx,
    pub login: Option<uuid::Uuid>,
}

impl FromRequestParts<AppState> for SessionCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::build(parts, state, None).await?;
        let login = ctx.session.login_id().await?;
        Ok(SessionCtx { ctx, login })
    }
}

/// Whether the client asked for JSON (the exam page's autosave does).
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

fn client_ip(parts: &Parts, trusted_proxies: usize) -> IpAddr {
    let peer =
        parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    forwarded_client(&forwarded, trusted_proxies).unwrap_or(peer)
}

/// The client address behind `trusted` proxies: the `trusted`-th entry from the right, the one the
/// outermost trusted proxy appended. Entries further left were written by the client and can be
/// anything. `None` when no proxy is trusted or the header is shorter than the proxy chain.
fn forwarded_client(entries: &[&str], trusted: usize) -> Option<IpAddr> {
    if trusted == 0 || entries.len() < trusted {
        return None;
    }
    entries[entries.len() - trusted].trim().parse().ok()
}

pub fn render<T: Template>(page: &T) -> AppResult<Html<String>> {
    Ok(Html(page.render()?))
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;

    #[test]
    fn the_client_address_is_the_one_the_trusted_proxy_appended() {
        let forged_then_real = ["6.6.6.6", "203.0.113.7"];
        assert_eq!(forwarded_client(&forged_then_real, 1), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(forwarded_client(&["6.6.6.6", "203.0.113.7", "10.0.0.2"], 2), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(forwarded_client(&forged_then_real, 0), None);
        assert_eq!(forwarded_client(&["203.0.113.7"], 2), None);
        assert_eq!(forwarded_client(&["not an address"], 1), None);
    }
}
