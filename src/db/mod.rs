//! The database: either the server named by `DATABASE_URL` or a private embedded cluster.

pub mod embedded;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

pub use embedded::EmbeddedPostgres;

/// Name of the app's database inside the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "mockexam";

/// An open pool, plus the embedded server behind it when there is one, watched and restarted if it
/// dies (dropping it stops the server).
pub struct Database {
    pub pool: PgPool,
    url: String,
    embedded: Option<Arc<Mutex<EmbeddedPostgres>>>,
    supervisor: Option<tokio::task::JoinHandle<()>>,
}

impl Database {
    /// Connects to `database_url`, or starts the embedded cluster in `data_dir` when there is none.
    /// Creates the database if missing and runs the migrations.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        Self::open_sized(database_url, data_dir, default_pool_size()).await
    }

    /// As [`Database::open`], with a pool of `pool_size` connections.
    pub async fn open_sized(database_url: Option<&str>, data_dir: &Path, pool_size: u32) -> anyhow::Result<Self> {
        let (url, embedded) = match database_url {
            Some(url) => (url.to_string(), None),
            None => {
                let dir = data_dir.join("postgres");
                let started = {
                    let dir = dir.clone();
                    tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir)).await?
                };
                match started {
                    Ok(server) => (server.url(EMBEDDED_DATABASE), Some(server)),
                    // A running server owns the cluster: use it (commands run beside `serve`).
                    Err(e @ embedded::EmbeddedError::InUse(_)) => {
                        let url = EmbeddedPostgres::running_url(&dir, EMBEDDED_DATABASE).ok_or(e)?;
                        tracing::info!("the embedded PostgreSQL is run by another mockexam process; using it");
                        (url, None)
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        create_database_if_missing(&url).await?;
        let pool = connect_sized(&url, pool_size).await?;
        migrate(&pool).await?;
        let embedded = embedded.map(|server| Arc::new(Mutex::new(server)));
        let supervisor = embedded.clone().map(|server| tokio::spawn(embedded::supervise(server)));
        Ok(Self { pool, url, embedded, supervisor })
    }

    /// The connection URL (for a second pool on the same database, as the load benchmark's baseline).
    pub fn url(&self) -> Option<String> {
        Some(self.url.clone())
    }

    /// Closes the pool, then stops the embedded server (if any) cleanly.
    pub async fn close(mut self) {
        self.pool.close().await;
        if let Some(supervisor) = self.supervisor.take() {
            supervisor.abort();
            let _ = supervisor.await;
        }
        if let Some(server) = self.embedded.take() {
            let _ = tokio::task::spawn_blocking(move || {
                if let Ok(mut server) = server.lock() {
                    server.stop();
                }
            })
            .await;
        }
    }
}

/// How long a request waits for a free connection before it is answered 503 (never a hang).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Limits every app connection sets on itself, so that one slow or stuck transaction cannot hold a
/// connection (and the rows it locked) for long: a statement gives up after 5 s, waiting for a row
/// lock after 2 s, and a transaction left idle is ended by the server after 10 s.
pub const SESSION_LIMITS: [(&str, &str); 3] =
    [("statement_timeout", "5s"), ("lock_timeout", "2s"), ("idle_in_transaction_session_timeout", "10s")];

/// The pool size when none is configured: a few connections per core, as PostgreSQL's own guidance
/// suggests ((cores × 2) + a few), but at least 8.
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(2);
    (cores * 4).max(8)
}

pub async fn connect(url: &str) -> anyhow::Result<PgPool> {
    connect_sized(url, default_pool_size()).await
}

pub async fn connect_sized(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse()?;
    let options = options.log_statements(tracing::log::LevelFilter::Trace).options(SESSION_LIMITS);
    // No ping before every use: it would double the round trips of every query. A connection that
    // died (server restart) fails its next query, is dropped by the pool, and the request gets 503.
    Ok(PgPoolOptions::new()
        .test_before_acquire(false)
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await?)
}

/// Errors that mean "busy or briefly unreachable, try again", not a bug: no free connection in time,
/// the server gone or restarting, a statement or lock wait over its limit, a serialization failure.
pub fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => matches!(
            db.code().as_deref(),
            // query_canceled (statement_timeout), lock_not_available (lock_timeout), deadlock,
            // serialization failure, idle-in-transaction timeout, admin shutdown, cannot connect now
            Some("57014" | "55P03" | "40P01" | "40001" | "25P03" | "57P01" | "57P03")
        ),
        _ => false,
    }
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
