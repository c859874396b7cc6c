//! The one home for what the app keeps in a session: who is signed in, the CSRF token and a one-off
//! notice. Nothing else reads or writes session keys (as zero2prod's `TypedSession`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;
use tower_sessions::session::Error;
use uuid::Uuid;

use super::error::AppError;

const USER: &str = "user_id";
const CSRF: &str = "csrf";
const NOTICE: &str = "notice";

#[derive(Clone)]
pub struct TypedSession(Session);

impl TypedSession {
    pub fn new(session: Session) -> Self {
        TypedSession(session)
    }

    pub async fn user_id(&self) -> Result<Option<Uuid>, Error> {
        self.0.get(USER).await
    }

    /// Signs `user_id` in: a new session id (so a planted session id is worthless) and a new CSRF token.
    pub async fn sign_in(&self, user_id: Uuid) -> Result<(), Error> {
        self.0.cycle_id().await?;
        self.0.insert(CSRF, crate::secret::token()).await?;
        self.0.insert(USER, user_id).await
    }

    /// Forgets everything: the next request starts a new, anonymous session.
    pub async fn sign_out(&self) -> Result<(), Error> {
        self.0.flush().await
    }

    /// The token forms must send back, created on first use.
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

    /// A message shown once, on the next page rendered.
    pub async fn flash(&self, message: impl Into<String>) -> Result<(), Error> {
        self.0.insert(NOTICE, message.into()).await
    }

    /// The pending notice, removed so that it shows once.
    pub async fn take_notice(&self) -> Result<Option<String>, Error> {
        self.0.remove(NOTICE).await
    }
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
