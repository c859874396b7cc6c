//! The web layer: shared state, the router (each feature module exposes `router()`, merged here), the
//! one stack of middleware every request passes through, the one error type ([`error`]), the typed
//! request edge ([`extract`], [`session`], [`page`]) and the dashboard at `/` ([`home`]).

mod assets;
mod complete;
pub mod csrf;
pub mod error;
pub mod extract;
mod fair;
mod home;
pub mod metrics;
pub mod page;
mod security;
pub mod session;
mod session_store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::bank::Blueprint;
use crate::bank::store::stored_blueprint;
use crate::config::Settings;
use error::{AppError, AppResult, error_page};

pub use assets::url as asset_url;
pub use extract::{CurrentUser, Instructor};
pub use page::{Ctx, render};

/// Largest request body accepted: every form of the app is far smaller.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Sessions end after this long without a request. Any signed-in request (including the exam page's
/// answer saves) pushes the end back, at most once a minute, so an active candidate is never signed
/// out mid-exam.
pub const SESSION_IDLE_LIMIT: Duration = Duration::from_secs(12 * 60 * 60);

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    /// Blueprints as synced, read from the database once per exam and kept: the bank is synced
    /// before the app starts serving, and [`AppState::forget_blueprints`] drops them after a new sync.
    blueprints: Arc<std::sync::RwLock<std::collections::HashMap<String, Blueprint>>>,
    /// Attempts' option orders, for the one-statement answer save.
    pub layouts: Arc<crate::exam::hot::Layouts>,
}

impl AppState {
    pub fn new(pool: PgPool, settings: Settings) -> Self {
        Self { pool, settings: Arc::new(settings), blueprints: Arc::default(), layouts: Arc::default() }
    }

    /// The exam a page asks for, or the first one when it names none, with every exam on offer; 404 for
    /// an unknown exam.
    pub async fn exam_or_first(
        &self,
        code: Option<&str>,
    ) -> AppResult<(Vec<crate::bank::store::ExamSummary>, Blueprint)> {
        let all = crate::bank::store::exams(&self.pool).await?;
        let code =
            code.map(str::to_string).or_else(|| all.first().map(|e| e.code.clone())).ok_or(AppError::NotFound)?;
        if !all.iter().any(|e| e.code == code) {
            return Err(AppError::NotFound);
        }
        let bp = self.blueprint(&code).await?;
        Ok((all, bp))
    }

    /// The blueprint an exam was synced with; 404 for an unknown exam.
    pub async fn blueprint(&self, code: &str) -> AppResult<Blueprint> {
        self.synced_blueprint(code).await?.ok_or(AppError::NotFound)
    }

    /// The blueprint an exam was synced with, if the exam exists.
    pub async fn synced_blueprint(&self, code: &str) -> sqlx::Result<Option<Blueprint>> {
        if let Some(bp) = self.blueprints.read().unwrap_or_else(|e| e.into_inner()).get(code) {
            return Ok(Some(bp.clone()));
        }
        let Some(bp) = stored_blueprint(&self.pool, code).await? else { return Ok(None) };
        self.blueprints.write().unwrap_or_else(|e| e.into_inner()).insert(code.to_string(), bp.clone());
        Ok(Some(bp))
    }

    /// Drops the kept blueprints, so the next request reads what the latest sync stored.
    pub fn forget_blueprints(&self) {
        self.blueprints.write().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// The app bound to its listener. Tests build it on port 0 and read the port back.
pub struct Application {
    listener: TcpListener,
    router: Router,
    max_connections: usize,
    header_timeout: Duration,
}

impl Application {
    pub async fn build(settings: Settings, pool: PgPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind).await?;
        let (max_connections, header_timeout) = (settings.max_connections, settings.header_timeout);
        let state = AppState::new(pool, settings);
        Ok(Self { listener, router: router(state), max_connections, header_timeout })
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish (up to 10 s).
    ///
    /// Written out rather than `axum::serve` for two limits a public server needs: a connection that
    /// has not sent a whole request head within `header_timeout` is closed (so half-sent requests,
    /// "slowloris", cannot pile up), and at most `max_connections` are served at once; further clients
    /// wait in the kernel's listen queue instead of exhausting file descriptors.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
        use hyper_util::server::conn::auto;
        use tower::ServiceExt;

        let slots = Arc::new(tokio::sync::Semaphore::new(self.max_connections));
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(self.header_timeout);
        tokio::pin!(shutdown);
        loop {
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of descriptors or a connection reset before accept: wait a moment.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let router = self.router.clone();
            let service = hyper::service::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                router.clone().oneshot(req)
            });
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                let _ = conn.await;
                drop(slot);
            });
        }
        drop(self.listener);
        if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await.is_err() {
            tracing::warn!("some connections were still open 10 s after shutdown began");
        }
        Ok(())
    }
}

/// Raises the soft limit on open files to the hard limit, so the connection cap (not the default
/// 1,024 descriptors) is what bounds concurrent clients.
pub fn raise_open_file_limit() {
    // SAFETY: getrlimit/setrlimit on our own process with a properly initialised struct.
    unsafe {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

pub fn router(state: AppState) -> Router {
    let store = session_store::CachedStore::new(PostgresStore::new(state.pool.clone()));
    let sessions = SessionManagerLayer::new(store)
        .with_name("mockexam_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_always_save(false)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::try_from(SESSION_IDLE_LIMIT).expect("fits"),
        ));

    let pages = Router::new()
        .route("/healthz", get(healthz))
        .merge(home::router())
        .merge(crate::accounts::routes::router())
        .merge(crate::exam::routes::router())
        .merge(crate::drill::routes::router())
        .merge(crate::report::routes::router())
        .merge(crate::authoring::routes::router())
        .merge(crate::progress::routes::router())
        .route_layer(axum::middleware::from_fn(metrics::tag_route))
        .layer(axum::middleware::from_fn(fair::limit))
        .layer(axum::middleware::from_fn(csrf::verify))
        .layer(sessions)
        .layer(axum::middleware::from_fn(security::no_store));

    Router::new()
        .merge(pages)
        .route("/assets/{name}", get(assets::serve))
        .fallback(|| async { error_page(StatusCode::NOT_FOUND, "There is no page at this address.") })
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn(metrics::record))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                        .on_request(())
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .layer(axum::middleware::from_fn(complete::run_to_completion))
                .layer(CatchPanicLayer::custom(|_| {
                    error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side.")
                }))
                .layer(DefaultBodyLimit::max(BODY_LIMIT))
                .layer(axum::middleware::from_fn(security::headers))
                // Behind HTTPS (secure cookies), browsers are told to use nothing else for a year.
                .option_layer(state.settings.secure_cookies.then(|| {
                    tower_http::set_header::SetResponseHeaderLayer::overriding(
                        axum::http::header::STRICT_TRANSPORT_SECURITY,
                        axum::http::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
                    )
                })),
        )
        .with_state(state)
}

/// 200 only when the database answers (and the embedded server is not being restarted).
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    if crate::db::embedded::RESTARTING.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "database restarting");
    }
    match sqlx::query_scalar::<_, i32>("select 1").fetch_one(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
