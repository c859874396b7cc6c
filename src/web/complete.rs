//! Every request runs to completion in its own task, and the client is answered within a time limit.
//!
//! A request future dropped half-way (the client disconnected, or the time limit hit) would stop
//! wherever it was awaiting, possibly between sending `BEGIN` and reading the reply: sqlx 0.8.6 then
//! returns the connection to the pool inside an open transaction (launchbadge/sqlx#4385), and later
//! autocommit writes on it are never committed. Spawning the handler means the future the server drops
//! is only the `JoinHandle`: the work itself always finishes, commits or rolls back, and releases its
//! connection clean. The client that gave up simply never reads the answer.
//!
//! A request still running after [`REQUEST_TIME_LIMIT`] is answered 503 with `Retry-After` (not 408,
//! which makes browsers resend a POST); its task still finishes on its own, bounded by the database's
//! statement and lock timeouts.

use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{AppError, JsonError};

pub const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(30);

pub async fn run_to_completion(req: Request, next: Next) -> Response {
    let json = super::page::wants_json(req.headers());
    let task = tokio::spawn(next.run(req));
    let failure = match tokio::time::timeout(REQUEST_TIME_LIMIT, task).await {
        Ok(Ok(res)) => return res,
        Ok(Err(e)) => AppError::Internal(anyhow::anyhow!("request task failed: {e}")),
        Err(_) => AppError::TimedOut,
    };
    if json { JsonError::from(failure).into_response() } else { failure.into_response() }
}
