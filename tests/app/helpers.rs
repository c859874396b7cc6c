//! Test support: one PostgreSQL per test binary (the embedded cluster, or the server in DATABASE_URL),
//! a fresh database per test (dropped when the test ends), the real app on a random port, visitors
//! (cookie-keeping clients), and assertions on pages through CSS selectors. `TEST_LOG=1` shows logs.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use mockexam::config::Settings;
use mockexam::db::{self, EmbeddedPostgres};
use mockexam::web::Application;
use reqwest::{Client, Response, StatusCode};
use sqlx::PgPool;
use uuid::Uuid;

pub use crate::fixtures::{shipped_bank, shipped_bank_dir};

enum Cluster {
    External(String),
    Embedded(EmbeddedPostgres),
}

/// Started on first use, never stopped explicitly: the embedded server's guard process stops it
/// when this test binary exits.
fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) => Cluster::External(url),
        Err(_) => {
            remove_clusters_of_finished_runs();
            let dir = std::env::temp_dir().join(format!("mockexam-test-pg-{}", std::process::id()));
            Cluster::Embedded(EmbeddedPostgres::start(&dir).expect("embedded PostgreSQL for tests"))
        }
    })
}

/// Earlier test runs leave their cluster's directory behind (their servers were stopped by the
/// guard when they exited); remove those whose process is gone.
fn remove_clusters_of_finished_runs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("mockexam-test-pg-").and_then(|p| p.parse::<u32>().ok()) else { continue };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// A brand-new database with the migrations applied, dropped when the last handle to it goes (so a
/// long test run does not pile up databases).
pub struct TestDb {
    pub url: String,
    pub pool: PgPool,
    name: String,
    admin_url: String,
}

pub async fn fresh_database() -> Arc<TestDb> {
    init_test_log();
    let name = format!("test_{}", Uuid::new_v4().simple());
    let (url, admin_url) = match cluster() {
        Cluster::External(url) => {
            let mut u = url::Url::parse(url).expect("DATABASE_URL is a URL");
            u.set_path(&name);
            let mut admin = u.clone();
            admin.set_path("postgres");
            (u.to_string(), admin.to_string())
        }
        Cluster::Embedded(pg) => (pg.url(&name), pg.url("postgres")),
    };
    db::create_database_if_missing(&url).await.expect("create test database");
    let pool = db::connect(&url).await.expect("connect to test database");
    db::migrate(&pool).await.expect("migrations");
    Arc::new(TestDb { url, pool, name, admin_url })
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop runs outside async code: use a runtime of its own on a thread of its own.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ =
                        sqlx::query(&format!("drop database if exists {name} with (force)")).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}

/// Logs from the app under test only when asked: `TEST_LOG=1 cargo test` (filter with RUST_LOG).
fn init_test_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let filter = tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
    });
}

/// The real app on a random port: its address, its database, and the server task. What a browser
/// does is a [`Visitor`]'s; the app's own visitor is reached through `Deref`, so `app.get(..)` works.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Arc<TestDb>,
    pub pool: PgPool,
    pub server: tokio::task::JoinHandle<()>,
    visitor: Visitor,
}

/// One browser: a cookie-keeping HTTP client that does not follow redirects.
#[derive(Clone)]
pub struct Visitor {
    pub addr: SocketAddr,
    pub client: Client,
}

impl std::ops::Deref for TestApp {
    type Target = Visitor;
    fn deref(&self) -> &Visitor {
        &self.visitor
    }
}

pub fn client() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("http client")
}

/// The real app, on port 0, against a fresh database holding the shipped bank.
pub async fn spawn_app() -> TestApp {
    let db = fresh_database().await;
    mockexam::bank::sync::sync(&db.pool, shipped_bank()).await.expect("bank sync");
    spawn_on(db).await
}

/// As [`spawn_app`], with settings changed by `change`.
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let db = fresh_database().await;
    mockexam::bank::sync::sync(&db.pool, shipped_bank()).await.expect("bank sync");
    spawn_on_with(db, change).await
}

/// The app against an existing database (e.g. to "restart" it), with a pool of its own.
pub async fn spawn_on(db: Arc<TestDb>) -> TestApp {
    spawn_on_with(db, |_| {}).await
}

pub async fn spawn_on_with(db: Arc<TestDb>, change: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = Settings::for_tests(shipped_bank_dir());
    settings.trusted_proxies = 1; // lets tests act from several client addresses
    change(&mut settings);
    let pool = db::connect_sized(&db.url, settings.pool_size).await.expect("connect");
    let app = Application::build(settings, pool.clone()).await.expect("app builds");
    let addr = app.addr();
    let server = tokio::spawn(async move {
        app.run_until(std::future::pending()).await.expect("server runs");
    });
    TestApp { addr, db, pool, server, visitor: Visitor { addr, client: client() } }
}

impl TestApp {
    /// This app's own browser (same cookies), as a value a closure can own.
    pub fn clone_visitor(&self) -> Visitor {
        self.visitor.clone()
    }

    /// A second browser on the same server.
    pub fn another_client(&self) -> Visitor {
        Visitor { addr: self.addr, client: client() }
    }

    /// The same browser (cookies and all) pointed at this server.
    pub fn with_visitor(mut self, visitor: &Visitor) -> Self {
        self.visitor = Visitor { addr: self.addr, client: visitor.client.clone() };
        self
    }
}

/// A server in a runtime of its own, so stopping it drops every open connection at once, like a
/// crashed process (aborting an in-runtime server leaves its keep-alive connections serving).
pub struct IsolatedServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl IsolatedServer {
    pub fn start(db_url: String, bind: Option<SocketAddr>) -> Self {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async move {
                let pool = db::connect(&db_url).await.expect("connect");
                let mut settings = Settings::for_tests(shipped_bank_dir());
                if let Some(addr) = bind {
                    settings.bind = addr;
                }
                let app = Application::build(settings, pool).await.expect("app builds");
                addr_tx.send(app.addr()).expect("report address");
                tokio::select! {
                    _ = app.run_until(std::future::pending()) => {}
                    _ = stop_rx => {}
                }
            });
            rt.shutdown_timeout(std::time::Duration::ZERO);
        });
        let addr = addr_rx.recv().expect("server started");
        IsolatedServer { addr, stop: Some(stop_tx), thread: Some(thread) }
    }

    pub fn stop(mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            t.join().expect("server thread");
        }
    }
}

impl Visitor {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn text(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.text().await.expect("body")
    }

    /// The CSRF token of this client's session (from any page's meta tag).
    pub async fn csrf(&self) -> String {
        let page = self.get("/").await.text().await.expect("body");
        csrf_in(&page).expect("page has a csrf meta tag")
    }

    /// POSTs a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &token));
        self.post_raw(path, &all).await
    }

    /// POSTs exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client.post(self.url(path)).form(fields).send().await.expect("POST")
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> Response {
        self.post("/signup", &[("email", email), ("password", password)]).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.post("/signin", &[("email", email), ("password", password)]).await
    }
}

pub fn csrf_in(page: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(r#"meta[name="csrf-token"]"#).ok()?;
    doc.select(&sel).next()?.value().attr("content").map(str::to_string)
}

pub fn location(res: &Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

pub fn unique_email() -> String {
    format!("user-{}@example.com", Uuid::new_v4().simple())
}

pub const PASSWORD: &str = "a long enough password";

/// The text of the first element matching `css` (whitespace collapsed), or "" if none.
pub fn text_at(page: &str, css: &str) -> String {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(css).expect("valid selector");
    doc.select(&sel)
        .next()
        .map(|e| e.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The inner HTML of every element matching `css`, joined.
pub fn html_at(page: &str, css: &str) -> String {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(css).expect("valid selector");
    doc.select(&sel).map(|e| e.inner_html()).collect::<Vec<_>>().join("\n")
}

/// An attribute of the first element matching `css`.
pub fn attr_at(page: &str, css: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(css).expect("valid selector");
    doc.select(&sel).next()?.value().attr(name).map(str::to_string)
}
