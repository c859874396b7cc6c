//! Finishes attempts whose candidate never came back: every `every`, each open attempt past its
//! deadline (plus the answer grace) is scored as of the deadline. Also prunes old sign-in failures and
//! expired sessions.

use std::time::Duration;

use sqlx::PgPool;

use super::finish::{self, Finish};
use crate::bank::sync::stored_blueprint;

/// The grace the sweeper waits past a deadline, so a last answer in flight is not raced.
pub const SWEEP_GRACE: Duration = Duration::from_secs(5);

pub async fn run(pool: PgPool, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep(&pool).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(finished = n, "sweeper finished overdue attempts"),
            Err(e) => tracing::warn!(error = %e, "sweeper failed; will retry"),
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

/// One pass; returns how many attempts it finished.
pub async fn sweep(pool: &PgPool) -> anyhow::Result<usize> {
    let mut finished = 0;
    for (id, exam) in finish::overdue(pool, SWEEP_GRACE).await? {
        let Some(bp) = stored_blueprint(pool, &exam).await? else { continue };
        if finish::finish(pool, id, None, Finish::Timeout, &bp).await.map_err(|e| anyhow::anyhow!("{e}"))? {
            finished += 1;
        }
    }
    Ok(finished)
}
