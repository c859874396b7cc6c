//! The database: either the server named by `DATABASE_URL` or a private embedded cluster.

pub mod embedded;

use std::path::Path;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

pub use embedded::EmbeddedPostgres;

/// Name of the app's database inside the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "mockexam";

/// An open pool, plus the embedded server behind it when there is one (dropping it stops the server).
pub struct Database {
    pub pool: PgPool,
    pub embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `database_url`, or starts the embedded cluster in `data_dir` when there is none.
    /// Creates the database if missing and runs the migrations.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let (url, embedded) = match database_url {
            Some(url) => (url.to_string(), None),
            None => {
                let dir = data_dir.join("postgres");
                let server = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir)).await??;
                (server.url(EMBEDDED_DATABASE), Some(server))
            }
        };
        create_database_if_missing(&url).await?;
        let pool = connect(&url).await?;
        migrate(&pool).await?;
        Ok(Self { pool, embedded })
    }

    /// Closes the pool, then stops the embedded server (if any) cleanly.
    pub async fn close(mut self) {
        self.pool.close().await;
        if let Some(mut server) = self.embedded.take() {
            let _ = tokio::task::spawn_blocking(move || server.stop()).await;
        }
    }
}

pub async fn connect(url: &str) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse()?;
    let options = options.log_statements(tracing::log::LevelFilter::Trace);
    Ok(PgPoolOptions::new().max_connections(20).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?)
}

/// Runs the app's migrations and the session store's.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("./migrations").run(pool).await?;
    tower_sessions_sqlx_store::PostgresStore::new(pool.clone()).migrate().await?;
    Ok(())
}

/// `CREATE DATABASE` for the database named in `url` unless it exists, via the `postgres` database.
pub async fn create_database_if_missing(url: &str) -> anyhow::Result<()> {
    let options: PgConnectOptions = url.parse()?;
    let name = options.get_database().unwrap_or("postgres").to_string();
    let mut conn = sqlx::PgConnection::connect_with(&options.clone().database("postgres")).await?;
    let exists: bool = sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
        .bind(&name)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        // Two processes may race to create it; the loser sees "already exists", which is fine.
        if let Err(e) = sqlx::query(&format!("create database {quoted}")).execute(&mut conn).await {
            let exists_now: bool = sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                .bind(&name)
                .fetch_one(&mut conn)
                .await?;
            if !exists_now {
                return Err(e.into());
            }
        }
    }
    conn.close().await?;
    Ok(())
}
