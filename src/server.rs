//! `mockexam serve`: load and check the bank, open the database (embedded by default), sync the bank
//! into it, start the background sweeper, serve until Ctrl-C or SIGTERM, then stop everything in order.

use std::process::ExitCode;

use crate::config::{DatabaseArgs, Settings};
use crate::db::Database;
use crate::web::Application;

pub async fn serve(settings: Settings, db: DatabaseArgs) -> anyhow::Result<ExitCode> {
    // The bank is checked before anything starts: a broken question file stops the server with the
    // same `path:line: message` report as `mockexam bank check`.
    let Some(bank) = crate::bank::load_and_report(&settings.bank_dir) else {
        eprintln!("error: the question bank has errors; fix them (see above) and start again");
        return Ok(ExitCode::FAILURE);
    };
    let database = Database::open_sized(db.database_url.as_deref(), &db.data_dir, settings.pool_size).await?;
    let result = run(settings, &database, &bank).await;
    database.close().await;
    result.map(|_| ExitCode::SUCCESS)
}

async fn run(settings: Settings, database: &Database, bank: &crate::bank::Bank) -> anyhow::Result<()> {
    let report = crate::bank::sync::sync(&database.pool, bank).await?;
    tracing::info!(%report, "question bank synced");
    let (sweep_every, grace) = (settings.sweep_every, settings.answer_grace);
    let metrics = match settings.metrics_bind {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            tracing::info!("metrics on http://{addr}/metrics");
            let app = crate::web::metrics::router(database.pool.clone());
            Some(tokio::spawn(async move { axum::serve(listener, app).await }))
        }
        None => None,
    };
    let app = Application::build(settings, database.pool.clone()).await?;
    tracing::info!("listening on http://{}", app.addr());
    let sweeper = tokio::spawn(crate::exam::sweeper::run(database.pool.clone(), sweep_every, grace));
    app.run_until(shutdown_signal()).await?;
    sweeper.abort();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    tracing::info!("shutting down");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
