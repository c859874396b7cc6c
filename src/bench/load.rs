//! `mockexam bench load`: candidates taking full mocks against the real app, and beside it a bare
//! baseline (axum + sqlx + askama, one query per page, one update per answer, the same rows and pool
//! size on the same PostgreSQL), in one run.
//!
//! Each simulated candidate is a task with its own cookie jar: it signs in, and once all have signed
//! in they press *Start* together (the synchronized start); then each views and answers every question
//! (the answer sent as the exam script sends it: a form with the CSRF header, JSON back), opens the
//! review screen and submits. Requests in flight are capped by `--concurrency`; `--think-ms` waits
//! between a question and its answer. Before the flow, a probe counts database transactions per
//! request for the question page and the answer save (from `pg_stat_database`, the same counter the
//! performance issue quoted). The client's own ceiling is measured on a static asset, so the figures
//! say whether the client or the app is the bottleneck.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::response::{Html, IntoResponse};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand::Rng;
use sqlx::PgPool;
use tokio::sync::{Barrier, Semaphore};
use uuid::Uuid;

use crate::db::Database;

#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Simulated candidates, each taking a full mock.
    #[arg(long, default_value_t = 200)]
    pub candidates: usize,
    /// Most requests in flight at once (all candidates together).
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Pause between seeing a question and answering it, per candidate.
    #[arg(long, default_value_t = 0)]
    pub think_ms: u64,
    /// Stop the flow after this many seconds (what was measured until then is reported).
    #[arg(long, default_value_t = 600)]
    pub duration: u64,
    /// Database connections of the app, and of the baseline (default: the app's default).
    #[arg(long)]
    pub pool_size: Option<u32>,
    /// Spread the candidates' pressing of Start over this many milliseconds (0: all at once).
    #[arg(long, default_value_t = 0)]
    pub start_spread_ms: u64,
    /// The question bank to serve.
    #[arg(long, default_value = "question-bank")]
    pub bank: PathBuf,
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
}

pub(super) const PASSWORD: &str = "bench candidate password";

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Latencies and failures per route label.
#[derive(Default)]
struct Stats {
    routes: Mutex<BTreeMap<&'static str, Route>>,
}

#[derive(Default)]
struct Route {
    micros: Vec<u64>,
    errors: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Stats {
    fn record(&self, route: &'static str, started: Instant, ok: bool) {
        let now = Instant::now();
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let r = routes.entry(route).or_default();
        r.micros.push(now.duration_since(started).as_micros() as u64);
        if !ok {
            r.errors += 1;
        }
        r.first = Some(r.first.map_or(started, |f| f.min(started)));
        r.last = Some(r.last.map_or(now, |l| l.max(now)));
    }
}

/// One browser: cookies, and the shared cap on requests in flight.
pub(super) struct Browser {
    client: HttpClient,
    base: String,
    cookies: BTreeMap<String, String>,
    ip: String,
    gate: Arc<Semaphore>,
    stats: Arc<Stats>,
}

pub(super) struct Answer {
    pub(super) status: StatusCode,
    headers: HeaderMap,
    pub(super) body: String,
}

impl Browser {
    /// A browser of its own (its own connection pool, no cap shared with others), for benchmarks that
    /// measure one page at a time.
    pub(super) fn alone(base: String, ip: &str) -> Self {
        Browser {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base,
            cookies: BTreeMap::new(),
            ip: ip.to_string(),
            gate: Arc::new(Semaphore::new(1)),
            stats: Arc::new(Stats::default()),
        }
    }

    async fn send(
        &mut self,
        route: &'static str,
        method: Method,
        path: &str,
        form: Option<String>,
        csrf_header: Option<&str>,
    ) -> anyhow::Result<Answer> {
        let mut req = Request::builder().method(method).uri(format!("{}{path}", self.base));
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        if !cookie.is_empty() {
            req = req.header(header::COOKIE, cookie);
        }
        req = req.header("x-forwarded-for", &self.ip);
        if let Some(token) = csrf_header {
            req = req.header("x-csrf-token", token).header(header::ACCEPT, "application/json");
        }
        let body = match form {
            Some(f) => {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Full::new(Bytes::from(f))
            }
            None => Full::new(Bytes::new()),
        };
        let req = req.body(body)?;
        let _slot = self.gate.acquire().await?;
        let started = Instant::now();
        let res = self.client.request(req).await;
        let res = match res {
            Ok(res) => res,
            Err(e) => {
                self.stats.record(route, started, false);
                return Err(e.into());
            }
        };
        let (parts, body) = res.into_parts();
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let ok = parts.status.is_success() || parts.status.is_redirection();
        self.stats.record(route, started, ok);
        for value in parts.headers.get_all(header::SET_COOKIE) {
            if let Some((kv, _)) = value.to_str().unwrap_or_default().split_once(';')
                && let Some((k, v)) = kv.split_once('=')
            {
                self.cookies.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
        Ok(Answer { status: parts.status, headers: parts.headers, body: String::from_utf8_lossy(&body).into_owned() })
    }

    pub(super) async fn get(&mut self, route: &'static str, path: &str) -> anyhow::Result<Answer> {
        self.send(route, Method::GET, path, None, None).await
    }

    /// POSTs a form, retrying after `Retry-After` while the server answers 503 (as a person would).
    async fn post(
        &mut self,
        route: &'static str,
        path: &str,
        form: String,
        header: Option<&str>,
    ) -> anyhow::Result<Answer> {
        for _ in 0..30 {
            let res = self.send(route, Method::POST, path, Some(form.clone()), header).await?;
            if res.status != StatusCode::SERVICE_UNAVAILABLE {
                return Ok(res);
            }
            let wait = res.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
        }
        anyhow::bail!("{path}: still 503 after 30 tries")
    }
}

fn attr<'a>(html: &'a str, marker: &str) -> Option<&'a str> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(&html[start..end])
}

fn csrf(html: &str) -> anyhow::Result<String> {
    attr(html, r#"name="csrf-token" content=""#).map(str::to_string).ok_or_else(|| anyhow::anyhow!("no CSRF token"))
}

fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).expect("plain fields encode")
}

/// One candidate signing in (the flow's first part).
pub(super) async fn sign_in(b: &mut Browser, email: &str) -> anyhow::Result<()> {
    let page = b.get("GET /signin", "/signin").await?;
    let token = csrf(&page.body)?;
    let res = b
        .post("POST /signin", "/signin", form(&[("email", email), ("password", PASSWORD), ("csrf", &token)]), None)
        .await?;
    anyhow::ensure!(res.status == StatusCode::SEE_OTHER, "sign-in answered {}", res.status);
    Ok(())
}

/// Presses Start; returns the attempt id and the session's CSRF token.
async fn start(b: &mut Browser, exam: &str) -> anyhow::Result<(Uuid, String)> {
    let page = b.get("GET /exams/{code}/start", &format!("/exams/{exam}/start")).await?;
    let token = csrf(&page.body)?;
    let res =
        b.post("POST /exams/{code}/start", &format!("/exams/{exam}/start"), form(&[("csrf", &token)]), None).await?;
    let to = res.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let id = to.trim_start_matches("/attempts/").parse()?;
    Ok((id, token))
}

async fn view(b: &mut Browser, attempt: Uuid, n: usize) -> anyhow::Result<String> {
    let page = b.get("GET /attempts/{id}/q/{n}", &format!("/attempts/{attempt}/q/{n}")).await?;
    anyhow::ensure!(page.status == StatusCode::OK, "question page answered {}", page.status);
    Ok(attr(&page.body, r#"name="revision" id="revision" value=""#).unwrap_or("0").to_string())
}

async fn save(b: &mut Browser, attempt: Uuid, n: usize, revision: &str, token: &str) -> anyhow::Result<()> {
    let body = form(&[("choice", "0"), ("revision", revision)]);
    let res = b.post("POST /attempts/{id}/q/{n}", &format!("/attempts/{attempt}/q/{n}"), body, Some(token)).await?;
    anyhow::ensure!(res.status == StatusCode::OK, "answer answered {}", res.status);
    Ok(())
}

/// Transactions committed or rolled back in the bench database so far. An idle backend flushes its
/// counts at most every 10 s (PostgreSQL 15), hence the pause.
async fn transactions(pool: &PgPool) -> anyhow::Result<i64> {
    tokio::time::sleep(Duration::from_secs(11)).await;
    Ok(sqlx::query_scalar!(
        r#"select (xact_commit + xact_rollback)::bigint as "n!" from pg_stat_database where datname = current_database()"#
    )
    .fetch_one(pool)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// The bare baseline: one query per page, one update per answer.

#[derive(Template)]
#[template(
    source = "<!doctype html><title>q</title><main><div>{{ stem|safe }}</div><ol>{% for o in options %}<li>{{ o|safe }}</li>{% endfor %}</ol></main>",
    ext = "html"
)]
struct BarePage {
    stem: String,
    options: Vec<String>,
}

async fn bare_page(State(pool): State<PgPool>, Path((id, n)): Path<(Uuid, i32)>) -> axum::response::Response {
    let row = sqlx::query!(
        r#"select v.stem_html, array(select o->>'text_html' from jsonb_array_elements(v.options) o) as "options!"
           from attempt_items ai join question_versions v on v.id = ai.question_version_id
           where ai.attempt_id = $1 and ai.position = $2"#,
        id,
        n
    )
    .fetch_one(&pool)
    .await;
    match row {
        Ok(r) => match (BarePage { stem: r.stem_html, options: r.options }).render() {
            Ok(html) => Html(html).into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn bare_answer(State(pool): State<PgPool>, Path((id, n)): Path<(Uuid, i32)>) -> axum::response::Response {
    let done = sqlx::query!(
        "update attempt_items set chosen = '{0}', answered_at = now() where attempt_id = $1 and position = $2",
        id,
        n
    )
    .execute(&pool)
    .await;
    match done {
        Ok(_) => axum::Json(serde_json::json!({ "saved": true })).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn bare_router(pool: PgPool) -> axum::Router {
    axum::Router::new().route("/q/{id}/{n}", axum::routing::get(bare_page).post(bare_answer)).with_state(pool)
}

async fn serve_bare(pool: PgPool) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, bare_router(pool)).await });
    Ok(addr)
}

// ---------------------------------------------------------------------------------------------

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

struct Row {
    label: String,
    requests: usize,
    errors: u64,
    rps: f64,
    p50: f64,
    p95: f64,
    p99: f64,
}

fn rows(stats: &Stats) -> Vec<Row> {
    let routes = stats.routes.lock().unwrap_or_else(|e| e.into_inner());
    routes
        .iter()
        .map(|(label, r)| {
            let mut sorted = r.micros.clone();
            sorted.sort_unstable();
            let span = match (r.first, r.last) {
                (Some(f), Some(l)) => l.duration_since(f).as_secs_f64().max(1e-6),
                _ => 1.0,
            };
            Row {
                label: label.to_string(),
                requests: sorted.len(),
                errors: r.errors,
                rps: sorted.len() as f64 / span,
                p50: percentile(&sorted, 0.50),
                p95: percentile(&sorted, 0.95),
                p99: percentile(&sorted, 0.99),
            }
        })
        .collect()
}

/// RSS and its high-water mark of process `pid`, in MiB.
fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Runs `per_candidate` for every candidate at once, each with its own browser.
async fn each<F, Fut>(browsers: Vec<Browser>, per_candidate: F) -> Vec<Browser>
where
    F: Fn(Browser, usize) -> Fut,
    Fut: Future<Output = (Browser, anyhow::Result<()>)> + Send + 'static,
{
    let tasks: Vec<_> = browsers.into_iter().enumerate().map(|(i, b)| tokio::spawn(per_candidate(b, i))).collect();
    let mut back = vec![];
    let mut failures = 0;
    for t in tasks {
        if let Ok((b, r)) = t.await {
            if let Err(e) = r {
                failures += 1;
                if failures <= 3 {
                    eprintln!("  a candidate failed: {e:#}");
                }
            }
            back.push(b);
        }
    }
    if failures > 3 {
        eprintln!("  ... {failures} candidates failed in all");
    }
    back
}

pub async fn load(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let Some(bank) = crate::bank::load_and_report(&args.bank) else { return Ok(ExitCode::FAILURE) };
    let exam = bank.exams.first().ok_or_else(|| anyhow::anyhow!("the bank has no exam"))?.blueprint.code.clone();
    let pool_size = args.pool_size.unwrap_or_else(crate::db::default_pool_size);
    // A fresh embedded cluster per run unless DATABASE_URL is given.
    let scratch = tempfile_dir()?;
    let data_dir = if args.db.database_url.is_some() { args.db.data_dir.clone() } else { scratch.clone() };
    let database = Database::open_sized(args.db.database_url.as_deref(), &data_dir, pool_size).await?;
    crate::bank::sync::sync(&database.pool, &bank).await?;

    // The app runs as its own process (`mockexam serve`), so its memory is measured alone.
    let mut app = App::start(&args.bank, &database_url(&database)?, pool_size)?;
    let app_addr = app.addr;
    let bare_pool = crate::db::connect_sized(&database_url(&database)?, pool_size).await?;
    let bare_addr = serve_bare(bare_pool).await?;

    // Candidates: one password hash shared by all (hashing is not what is measured here).
    let hash = crate::accounts::password::hash(
        crate::accounts::NewPassword::parse(PASSWORD, "x@example.com").map_err(anyhow::Error::msg)?,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let run = Uuid::new_v4().simple().to_string();
    sqlx::query!(
        "insert into users (id, email, password_hash, role)
         select gen_random_uuid(), 'bench-' || g || '-' || $2 || '@example.com', $3, 'student'
         from generate_series(1, $1::int) g",
        args.candidates as i32,
        run,
        hash
    )
    .execute(&database.pool)
    .await?;

    let client: HttpClient = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(100_000).build_http();
    let stats = Arc::new(Stats::default());
    let gate = Arc::new(Semaphore::new(args.concurrency));
    let browser = |i: usize, base: String, stats: Arc<Stats>| Browser {
        client: client.clone(),
        base,
        cookies: BTreeMap::new(),
        ip: format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256),
        gate: gate.clone(),
        stats,
    };
    if args.start_spread_ms > 0 {
        println!("(candidates press Start spread over {} ms)", args.start_spread_ms);
    }
    println!(
        "bench load: {} candidates, {} requests in flight at most, think {} ms, pool {} connections, {} questions a mock",
        args.candidates, args.concurrency, args.think_ms, pool_size, bank.exams[0].blueprint.question_count
    );

    // The client's ceiling: a static asset, no database.
    let ceiling = Arc::new(Stats::default());
    let ceiling_browsers: Vec<Browser> =
        (0..args.concurrency.clamp(1, 16)).map(|i| browser(i, format!("http://{app_addr}"), ceiling.clone())).collect();
    each(ceiling_browsers, |mut b, _| async move {
        for _ in 0..200 {
            if let Err(e) = b.get("client ceiling: GET /assets/style.css", "/assets/style.css").await {
                return (b, Err(e));
            }
        }
        (b, Ok(()))
    })
    .await;

    // Sign in (hashing is rationed: a 503 is retried after Retry-After).
    let browsers: Vec<Browser> =
        (0..args.candidates).map(|i| browser(i, format!("http://{app_addr}"), stats.clone())).collect();
    let run2 = run.clone();
    let browsers = each(browsers, move |mut b, i| {
        let email = format!("bench-{}-{run2}@example.com", i + 1);
        async move {
            let r = sign_in(&mut b, &email).await;
            (b, r)
        }
    })
    .await;

    // Everyone presses Start at once.
    let barrier = Arc::new(Barrier::new(browsers.len()));
    let attempts: Arc<Mutex<Vec<(usize, Uuid, String)>>> = Arc::default();
    let exam2 = exam.clone();
    let att = attempts.clone();
    let spread = args.start_spread_ms;
    let browsers = each(browsers, move |mut b, i| {
        let (barrier, exam, att) = (barrier.clone(), exam2.clone(), att.clone());
        async move {
            barrier.wait().await;
            if spread > 0 {
                let wait = rand::thread_rng().gen_range(0..spread);
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            let r = start(&mut b, &exam)
                .await
                .map(|(id, token)| att.lock().unwrap_or_else(|e| e.into_inner()).push((i, id, token)));
            (b, r)
        }
    })
    .await;
    let mut attempts = attempts.lock().unwrap_or_else(|e| e.into_inner()).clone();
    attempts.sort();
    let by_candidate: BTreeMap<usize, (Uuid, String)> =
        attempts.iter().map(|(i, id, t)| (*i, (*id, t.clone()))).collect();
    let by_candidate = Arc::new(by_candidate);

    // Probe: transactions per question page and per answer save. A first view per attempt reads its
    // (immutable) option orders once, so the probe warms up on question 1 and counts question 2.
    let probe_stats = Arc::new(Stats::default());
    let mut probe_browsers = vec![];
    for mut b in browsers {
        b.stats = probe_stats.clone();
        probe_browsers.push(b);
    }
    let probe = |browsers: Vec<Browser>, n: usize, answer: bool| {
        let bc = by_candidate.clone();
        each(browsers, move |mut b, i| {
            let bc = bc.clone();
            async move {
                let r = match bc.get(&i) {
                    Some((id, token)) if answer => save(&mut b, *id, n, "0", token).await,
                    Some((id, _)) => view(&mut b, *id, n).await.map(|_| ()),
                    None => Ok(()),
                };
                (b, r)
            }
        })
    };
    let probe_browsers = probe(probe_browsers, 1, false).await;
    let before = transactions(&database.pool).await?;
    let probe_browsers = probe(probe_browsers, 2, false).await;
    let after_pages = transactions(&database.pool).await?;
    let probe_browsers = probe(probe_browsers, 2, true).await;
    let after_saves = transactions(&database.pool).await?;
    let n_live = by_candidate.len().max(1) as f64;
    // The probe's own reads of pg_stat_database are a transaction each; they are not counted.
    let page_tx = (after_pages - before - 1) as f64 / n_live;
    let save_tx = (after_saves - after_pages - 1) as f64 / n_live;

    // The flow: every question viewed and answered, the review screen, submit.
    let mut browsers = vec![];
    for mut b in probe_browsers {
        b.stats = stats.clone();
        browsers.push(b);
    }
    let flow_started = Instant::now();
    let deadline = flow_started + Duration::from_secs(args.duration);
    let count = bank.exams[0].blueprint.question_count as usize;
    let think = Duration::from_millis(args.think_ms);
    let bc = by_candidate.clone();
    let peak_rss = Arc::new(Mutex::new(0f64));
    let app_pid = app.pid;
    let watcher = {
        let peak = peak_rss.clone();
        tokio::spawn(async move {
            loop {
                let (rss, _) = rss_mib(app_pid);
                {
                    let mut p = peak.lock().unwrap_or_else(|e| e.into_inner());
                    *p = p.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    each(browsers, move |mut b, i| {
        let bc = bc.clone();
        async move {
            let Some((id, token)) = bc.get(&i).cloned() else { return (b, Ok(())) };
            for n in 1..=count {
                if Instant::now() > deadline {
                    break;
                }
                let revision = match view(&mut b, id, n).await {
                    Ok(r) => r,
                    Err(e) => return (b, Err(e)),
                };
                if !think.is_zero() {
                    tokio::time::sleep(think).await;
                }
                if let Err(e) = save(&mut b, id, n, &revision, &token).await {
                    return (b, Err(e));
                }
            }
            let r = async {
                b.get("GET /attempts/{id}/review", &format!("/attempts/{id}/review")).await?;
                b.post(
                    "POST /attempts/{id}/submit",
                    &format!("/attempts/{id}/submit"),
                    form(&[("csrf", &token)]),
                    None,
                )
                .await?;
                anyhow::Ok(())
            }
            .await;
            (b, r)
        }
    })
    .await;
    watcher.abort();
    let flow_secs = flow_started.elapsed().as_secs_f64();

    // The baseline: the same rows, the same number of page views and answers, the same cap.
    let bare_stats = Arc::new(Stats::default());
    let bare_browsers: Vec<Browser> =
        (0..args.candidates).map(|i| browser(i, format!("http://{bare_addr}"), bare_stats.clone())).collect();
    let bc = by_candidate.clone();
    each(bare_browsers, move |mut b, i| {
        let bc = bc.clone();
        async move {
            let Some((id, _)) = bc.get(&i).cloned() else { return (b, Ok(())) };
            for n in 1..=count {
                if let Err(e) = b.get("baseline: GET page (1 query)", &format!("/q/{id}/{n}")).await {
                    return (b, Err(e));
                }
                if !think.is_zero() {
                    tokio::time::sleep(think).await;
                }
                if let Err(e) =
                    b.send("baseline: POST answer (1 update)", Method::POST, &format!("/q/{id}/{n}"), None, None).await
                {
                    return (b, Err(e));
                }
            }
            (b, Ok(()))
        }
    })
    .await;

    // Report.
    let all: Vec<Row> = rows(&ceiling).into_iter().chain(rows(&stats)).chain(rows(&bare_stats)).collect();
    let rps_of = |label: &str| all.iter().find(|r| r.label == label).map(|r| r.rps).unwrap_or(0.0);
    let ratio = |label: &str| match label {
        "GET /attempts/{id}/q/{n}" => Some(rps_of(label) / rps_of("baseline: GET page (1 query)")),
        "POST /attempts/{id}/q/{n}" => Some(rps_of(label) / rps_of("baseline: POST answer (1 update)")),
        _ => None,
    };
    let tx = |label: &str| match label {
        "GET /attempts/{id}/q/{n}" => Some(page_tx),
        "POST /attempts/{id}/q/{n}" => Some(save_tx),
        l if l.starts_with("baseline") => Some(1.0),
        _ => None,
    };
    println!();
    println!(
        "{:<42} {:>8} {:>6} {:>9} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "route", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs bare", "tx/req"
    );
    for r in &all {
        let vs = ratio(&r.label).map(|x| format!("{x:.2}")).unwrap_or_default();
        let t = tx(&r.label).map(|x| format!("{x:.1}")).unwrap_or_default();
        println!(
            "{:<42} {:>8} {:>6} {:>9.0} {:>8.1} {:>8.1} {:>8.1} {:>9} {:>8}",
            r.label, r.requests, r.errors, r.rps, r.p50, r.p95, r.p99, vs, t
        );
    }
    let (rss, hwm) = rss_mib(app.pid);
    let (bench_rss, _) = rss_mib(std::process::id());
    let peak = *peak_rss.lock().unwrap_or_else(|e| e.into_inner());
    println!();
    println!(
        "flow: {:.1} s for {} candidates; app process RSS: peak {:.0} MiB sampled during the flow, high-water {:.0} MiB, now {:.0} MiB (this bench process: {:.0} MiB)",
        flow_secs,
        by_candidate.len(),
        peak,
        hwm,
        rss,
        bench_rss
    );
    println!(
        "tx/req: database transactions per request (pg_stat_database), measured by a probe of one request per candidate"
    );
    app.stop();
    database.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(ExitCode::SUCCESS)
}

/// `mockexam serve` as a child process on a free port.
pub(super) struct App {
    child: std::process::Child,
    pid: u32,
    pub(super) addr: SocketAddr,
}

impl App {
    pub(super) fn start(bank: &std::path::Path, url: &str, pool_size: u32) -> anyhow::Result<Self> {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe()?)
            .args(["serve", "--bind", "127.0.0.1:0", "--trusted-proxies", "1", "--max-connections", "100000"])
            .arg("--pool-size")
            .arg(pool_size.to_string())
            .arg("--bank")
            .arg(bank)
            .arg("--database-url")
            .arg(url)
            .env("RUST_LOG", "warn,mockexam::server=info")
            .env_remove("MOCKEXAM_LOG_FORMAT")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        let pid = child.id();
        let mut lines = std::io::BufReader::new(child.stderr.take().expect("piped")).lines();
        let addr = loop {
            let Some(line) = lines.next() else { anyhow::bail!("mockexam serve exited before listening") };
            let line = line?;
            if let Some(i) = line.find("listening on http://") {
                break line[i + "listening on http://".len()..].trim().parse()?;
            }
        };
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                eprintln!("app: {line}")
            }
        });
        Ok(Self { child, pid, addr })
    }

    pub(super) fn stop(&mut self) {
        // SAFETY: signalling the child we started.
        unsafe { libc::kill(self.pid as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

pub(super) fn database_url(database: &Database) -> anyhow::Result<String> {
    database.url().ok_or_else(|| anyhow::anyhow!("database URL unknown"))
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("mockexam-bench-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
