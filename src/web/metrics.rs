//! Prometheus metrics: requests and latency by route, the database pool, open attempts and password
//! hashes waiting. Served as text on a separate address (`--metrics-bind`, off by default), so it is
//! never exposed on the public port; bind it to loopback or a private network.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// (method, route, status).
type Key = (String, String, u16);

static REQUESTS: LazyLock<Mutex<BTreeMap<Key, Series>>> = LazyLock::new(Default::default);
static UNAVAILABLE: AtomicU64 = AtomicU64::new(0);

/// Counts a 503 for busy or unreachable database (see `AppError::Unavailable`).
pub fn count_unavailable() {
    UNAVAILABLE.fetch_add(1, Ordering::Relaxed);
}

/// The route template a request matched, carried from the router to [`record`] in the response.
#[derive(Clone)]
struct Route(String);

/// Inner layer (a route layer): notes which route matched.
pub async fn tag_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let mut res = next.run(req).await;
    if let Some(route) = route {
        res.extensions_mut().insert(Route(route));
    }
    res
}

/// Outer layer: times every request.
pub async fn record(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_string();
    let res = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let route = res.extensions().get::<Route>().map(|r| r.0.clone()).unwrap_or_else(|| "other".into());
    let mut all = REQUESTS.lock().unwrap_or_else(|e| e.into_inner());
    let series = all.entry((method, route, res.status().as_u16())).or_default();
    series.count += 1;
    series.sum += seconds;
    for (i, bound) in BUCKETS.iter().enumerate() {
        if seconds <= *bound {
            series.buckets[i] += 1;
        }
    }
    res
}

/// `GET /metrics` on the metrics address.
pub async fn serve_metrics(State(pool): State<PgPool>) -> Response {
    let open_attempts: Option<i64> =
        sqlx::query_scalar!(r#"select count(*) as "n!" from attempts where finished_at is null"#)
            .fetch_one(&pool)
            .await
            .ok();
    let mut out = String::new();
    write_requests(&mut out);
    let size = pool.size() as usize;
    let idle = pool.num_idle();
    gauge(&mut out, "mockexam_db_pool_connections", "Open database connections.", size as f64);
    gauge(&mut out, "mockexam_db_pool_in_use", "Database connections in use.", size.saturating_sub(idle) as f64);
    gauge(&mut out, "mockexam_db_pool_max", "Largest pool size allowed.", pool.options().get_max_connections() as f64);
    counter(
        &mut out,
        "mockexam_unavailable_total",
        "Requests answered 503 because the database was busy or unreachable (a pool wait timed out, a lock or statement limit hit).",
        UNAVAILABLE.load(Ordering::Relaxed) as f64,
    );
    gauge(
        &mut out,
        "mockexam_password_hashes_queued",
        "Password hashes waiting for a core.",
        crate::accounts::password::queued() as f64,
    );
    if let Some(n) = open_attempts {
        gauge(&mut out, "mockexam_open_attempts", "Mock exams in progress.", n as f64);
    }
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

fn write_requests(out: &mut String) {
    let _ = writeln!(out, "# HELP mockexam_http_request_duration_seconds Time to answer a request, by route.");
    let _ = writeln!(out, "# TYPE mockexam_http_request_duration_seconds histogram");
    let all = REQUESTS.lock().unwrap_or_else(|e| e.into_inner());
    for ((method, route, status), s) in all.iter() {
        let labels = format!("method=\"{method}\",route=\"{}\",status=\"{status}\"", route.replace('"', "'"));
        for (bound, n) in BUCKETS.iter().zip(s.buckets) {
            let _ = writeln!(out, "mockexam_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "mockexam_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
        let _ = writeln!(out, "mockexam_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
        let _ = writeln!(out, "mockexam_http_request_duration_seconds_count{{{labels}}} {}", s.count);
    }
}

fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
}

fn counter(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
}

/// The metrics app, for its own listener.
pub fn router(pool: PgPool) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(serve_metrics)).with_state(pool)
}
