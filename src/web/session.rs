//! The one home for what the app keeps in a session: which login it belongs to, the CSRF token, a
//! one-off notice and when it was last extended. Nothing else reads or writes session keys (as
//! zero2prod's `TypedSession`).
//!
//! A session is written back only when something in it changed (the layer runs without
//! `always_save`): its idle expiry is pushed back at most once a minute ([`TypedSession::keep_alive`]),
//! so reading a page or saving an answer costs no session write. Anonymous visitors get no session at
//! all unless something (a notice) must be kept for them; their forms use the double-submit token of
//! [`super::csrf`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;
use tower_sessions::session::Error;
use uuid::Uuid;

use super::error::AppError;

const LOGIN: &str = "login_id";
const CSRF: &str = "csrf";
const NOTICE: &str = "notice";
const EXTENDED: &str = "extended_at";
/// How often a session's idle expiry is pushed back (at most).
const EXTEND_EVERY_SECONDS: i64 = 60;

#[derive(Clone)]
pub struct TypedSession(Session);

impl TypedSession {
    pub fn new(session: Session) -> Self {
        TypedSession(session)
    }

    /// The login (a row of `logins`) this session belongs to, if signed in.
    pub async fn login_id(&self) -> Result<Option<Uuid>, Error> {
        self.0.get(LOGIN).await
    }

    /// Signs login `login_id` in: a new session id (so a planted session id is worthless) and a new CSRF
    /// token.
    pub async fn sign_in(&self, login_id: Uuid) -> Result<(), Error> {
        self.0.cycle_id().await?;
        self.0.insert(CSRF, crate::secret::token()).await?;
        self.0.insert(EXTENDED, now_seconds()).await?;
        self.0.insert(LOGIN, login_id).await
    }

    /// Pushes the idle expiry back, by marking the session changed, when it was last pushed back a
    /// minute or more ago: an active candidate is never signed out, and the store is written at most
    /// once a minute per session.
    pub async fn keep_alive(&self) -> Result<(), Error> {
        let now = now_seconds();
        let last = self.0.get::<i64>(EXTENDED).await?.unwrap_or(0);
        if now - last >= EXTEND_EVERY_SECONDS {
            self.0.insert(EXTENDED, now).await?;
        }
        Ok(())
    }

    /// Forgets everything: the next request starts a new, anonymous session.
    pub async fn sign_out(&self) -> Result<(), Error> {
        self.0.flush().await
    }

    /// The token forms must send back, created on first use (signed-in sessions have one from sign-in).
    pub async fn csrf_token(&self) -> Result<String, Error> {
        if let Some(t) = self.0.get::<String>(CSRF).await? {
            return Ok(t);
        }
        let t = crate::secret::token();
        self.0.insert(CSRF, &t).await?;
        Ok(t)
    }

    /// The token a request must carry; `None` for a session that never showed a form.
    pub async fn expected_csrf(&self) -> Result<Option<String>, Error> {
        self.0.get(CSRF).await
    }

    /// A message shown once, on the next page rendered. An anonymous visitor's session (it holds only
    /// the notice) ends after an hour idle instead of twelve.
    pub async fn flash(&self, message: impl Into<String>) -> Result<(), Error> {
        if self.login_id().await?.is_none() {
            let hour = tower_sessions::cookie::time::Duration::hours(1);
            self.0.set_expiry(Some(tower_sessions::Expiry::OnInactivity(hour)));
        }
        self.0.insert(NOTICE, message.into()).await
    }

    /// The pending notice, removed so that it shows once.
    pub async fn take_notice(&self) -> Result<Option<String>, Error> {
        // Only a notice that is there is removed: removing marks the session changed (a write).
        if self.0.get::<String>(NOTICE).await?.is_none() {
            return Ok(None);
        }
        self.0.remove(NOTICE).await
    }
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl<S: Send + Sync> FromRequestParts<S> for TypedSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!("session layer missing: {msg}")))?;
        Ok(TypedSession(session))
    }
}
