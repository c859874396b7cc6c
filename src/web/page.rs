//! What every page needs: who is signed in, the CSRF token for its forms, a one-off notice, and the
//! client's address. `Ctx` is an extractor, so handlers just take it as an argument.

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::response::Html;
use tower_sessions::Session;
use uuid::Uuid;

use super::AppState;
use crate::accounts::{self, Role, User};
use crate::error::{AppError, AppResult};

pub const USER_KEY: &str = "user_id";
const NOTICE_KEY: &str = "notice";

pub struct Ctx {
    pub user: Option<User>,
    pub csrf: String,
    pub notice: Option<String>,
    pub path: String,
    pub ip: IpAddr,
    pub session: Session,
}

impl Ctx {
    /// The signed-in user, or a redirect to the sign-in page that comes back here.
    pub fn user(&self) -> AppResult<&User> {
        self.user.as_ref().ok_or_else(|| AppError::SignInRequired { next: self.path.clone() })
    }

    pub fn instructor(&self) -> AppResult<&User> {
        let user = self.user()?;
        if user.role == Role::Instructor { Ok(user) } else { Err(AppError::Forbidden) }
    }

    /// A message shown once on the next page rendered.
    pub async fn flash(&self, message: impl Into<String>) -> AppResult<()> {
        self.session.insert(NOTICE_KEY, message.into()).await.map_err(anyhow::Error::from)?;
        Ok(())
    }

    pub fn is_instructor(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Instructor)
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!("session layer missing: {msg}")))?;
        let user_id = session.get::<Uuid>(USER_KEY).await.map_err(anyhow::Error::from)?;
        let user = match user_id {
            Some(id) => accounts::find_by_id(&state.pool, id).await?,
            None => None,
        };
        let csrf = super::csrf::token(&session).await?;
        let notice = session.remove::<String>(NOTICE_KEY).await.map_err(anyhow::Error::from)?;
        let path = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let ip = client_ip(parts, state.settings.trust_forwarded_for);
        Ok(Ctx { user, csrf, notice, path, ip, session })
    }
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
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

pub fn render<T: Template>(page: &T) -> AppResult<Html<String>> {
    Ok(Html(page.render()?))
}
