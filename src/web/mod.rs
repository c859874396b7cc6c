//! The web layer: shared state, the router (each feature module exposes `router()`, merged here), the
//! one stack of middleware every request passes through, the one error type ([`error`]), the typed
//! request edge ([`extract`], [`session`], [`page`]) and the dashboard at `/` ([`home`]).

mod assets;
pub mod csrf;
pub mod error;
pub mod extract;
mod home;
pub mod page;
mod security;
pub mod session;

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
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::bank::Blueprint;
use crate::bank::store::stored_blueprint;
use crate::config::Settings;
use error::{AppError, AppResult, error_page};

pub use extract::{CurrentUser, Instructor};
pub use page::{Ctx, render};

/// Largest request body accepted: every form of the app is far smaller.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Sessions end after this long without a request. Any request (including the exam page's answer
/// saves) pushes the end back, so an active candidate is never signed out mid-exam.
pub const SESSION_IDLE_LIMIT: Duration = Duration::from_secs(12 * 60 * 60);

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Arc<Settings>,
}

impl AppState {
    /// The blueprint an exam was synced with; 404 for an unknown exam.
    pub async fn blueprint(&self, code: &str) -> AppResult<Blueprint> {
        stored_blueprint(&self.pool, code).await?.ok_or(AppError::NotFound)
    }
}

/// The app bound to its listener. Tests build it on port 0 and read the port back.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn build(settings: Settings, pool: PgPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind).await?;
        let state = AppState { pool, settings: Arc::new(settings) };
        Ok(Self { listener, router: router(state) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await
    }
}

pub fn router(state: AppState) -> Router {
    let store = PostgresStore::new(state.pool.clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name("mockexam_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_always_save(true)
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
        .layer(axum::middleware::from_fn(csrf::verify))
        .layer(sessions)
        .layer(axum::middleware::from_fn(security::no_store));

    Router::new()
        .merge(pages)
        .route("/assets/{name}", get(assets::serve))
        .fallback(|| async { error_page(StatusCode::NOT_FOUND, "There is no page at this address.") })
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                        .on_request(())
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .layer(CatchPanicLayer::custom(|_| {
                    error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side.")
                }))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
                .layer(DefaultBodyLimit::max(BODY_LIMIT))
                .layer(axum::middleware::from_fn(security::headers)),
        )
        .with_state(state)
}

/// 200 only when the database answers.
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match sqlx::query_scalar::<_, i32>("select 1").fetch_one(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
