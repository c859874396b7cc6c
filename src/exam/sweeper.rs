//! Finishes attempts whose candidate never came back: every `every`, each open attempt past its
//! deadline plus the answer grace is scored as of the deadline. Also closes drills left for a day,
//! prunes old sign-in failures and deletes expired sessions.

use std::time::Duration;

use sqlx::PgPool;

use super::ExamError;
use super::finish::{self, Finish};
use crate::bank::store::stored_blueprint;

/// Runs forever; `grace` is the same answer grace the answer endpoint allows, so a last answer in
/// flight is never raced.
pub async fn run(pool: PgPool, every: Duration, grace: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep(&pool, grace).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(finished = n, "sweeper finished overdue attempts"),
            Err(e) => tracing::warn!(error = %e, "sweeper failed; will retry"),
        }
        match crate::drill::store::close_stale(&pool).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(closed = n, "sweeper closed drills left for a day"),
            Err(e) => tracing::warn!(error = %e, "closing stale drills failed"),
        }
        if let Err(e) = crate::accounts::throttle::prune(&pool).await {
            tracing::warn!(error = %e, "pruning sign-in failures failed");
        }
        let sessions = tower_sessions_sqlx_store::PostgresStore::new(pool.clone());
        if let Err(e) = tower_sessions::ExpiredDeletion::delete_expired(&sessions).await {
            tracing::warn!(error = %e, "deleting expired sessions failed");
        }
    }
}

/// One pass; returns how many attempts it finished. An attempt that fails to finish is logged and
/// left for the next pass; it does not stop the others.
pub async fn sweep(pool: &PgPool, grace: Duration) -> Result<usize, ExamError> {
    let mut finished = 0;
    for (id, exam) in finish::overdue(pool, grace).await? {
        let done = async {
            let Some(bp) = stored_blueprint(pool, &exam).await? else { return Ok(false) };
            finish::finish(pool, id, None, Finish::Timeout, &bp).await
        };
        match done.await {
            Ok(true) => finished += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(attempt = %id, error = %e, "could not finish an overdue attempt; will retry"),
        }
    }
    Ok(finished)
}
