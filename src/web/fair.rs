//! Fair share: one signed-in session may have at most [`PER_SESSION`] requests being served at once;
//! its further requests wait here, in memory and without a database connection, for at most
//! [`WAIT`], then get 503 with `Retry-After`.
//!
//! Without it, a candidate whose attempt row is held by a slow transaction (or a script hammering one
//! account) ends up with every pooled connection waiting on the same lock, and everyone else's
//! requests time out. With it, such a candidate holds at most a few connections, each for at most the
//! database's lock timeout, and the rest of the pool keeps serving the others.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use tower_sessions::Session;
use uuid::Uuid;

use super::error::{AppError, JsonError};
use super::session::TypedSession;

pub const PER_SESSION: usize = 3;
pub const WAIT: Duration = Duration::from_secs(5);

static GATES: LazyLock<Mutex<HashMap<Uuid, Arc<Semaphore>>>> = LazyLock::new(Default::default);

pub async fn limit(req: Request, next: Next) -> Response {
    let login = match req.extensions().get::<Session>().cloned() {
        Some(session) => TypedSession::new(session).login_id().await.ok().flatten(),
        None => None,
    };
    let Some(login) = login else { return next.run(req).await };
    let gate = GATES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(login)
        .or_insert_with(|| Arc::new(Semaphore::new(PER_SESSION)))
        .clone();
    let permit = tokio::time::timeout(WAIT, gate.clone().acquire_owned()).await;
    let res = match permit {
        Ok(Ok(_permit)) => next.run(req).await,
        _ => {
            let json = super::page::wants_json(req.headers());
            if json {
                JsonError::from(AppError::Unavailable).into_response()
            } else {
                AppError::Unavailable.into_response()
            }
        }
    };
    // Forget the gate once nobody else holds or waits on it (this clone and the map's).
    let mut gates = GATES.lock().unwrap_or_else(|e| e.into_inner());
    if Arc::strong_count(&gate) <= 2 && gate.available_permits() == PER_SESSION {
        gates.remove(&login);
    }
    res
}
