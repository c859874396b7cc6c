//! Test support: one PostgreSQL per test binary (the embedded cluster, or the server in DATABASE_URL),
//! a fresh database per test, and the real app on a random port with a cookie-keeping client.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mockexam::config::Settings;
use mockexam::db::{self, EmbeddedPostgres};
use mockexam::web::Application;
use reqwest::{Client, Response, StatusCode};
use sqlx::PgPool;
use uuid::Uuid;

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

/// A URL for a brand-new, empty database with the migrations applied.
pub async fn fresh_database() -> (String, PgPool) {
    let name = format!("test_{}", Uuid::new_v4().simple());
    let url = match cluster() {
        Cluster::External(url) => {
            let mut u = url::Url::parse(url).expect("DATABASE_URL is a URL");
            u.set_path(&name);
            u.to_string()
        }
        Cluster::Embedded(pg) => pg.url(&name),
    };
    db::create_database_if_missing(&url).await.expect("create test database");
    let pool = db::connect(&url).await.expect("connect to test database");
    db::migrate(&pool).await.expect("migrations");
    (url, pool)
}

pub fn shipped_bank_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("question-bank")
}

/// The shipped bank, loaded once per test binary (it must load without errors).
pub fn shipped_bank() -> &'static mockexam::bank::Bank {
    static BANK: OnceLock<mockexam::bank::Bank> = OnceLock::new();
    BANK.get_or_init(|| {
        let (bank, diagnostics) = mockexam::bank::load(&shipped_bank_dir());
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.severity == mockexam::bank::Severity::Error)
            .map(|d| d.to_string())
            .collect();
        assert!(errors.is_empty(), "shipped bank has errors:\n{}", errors.join("\n"));
        bank
    })
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub pool: PgPool,
    pub db_url: String,
    pub client: Client,
    pub server: tokio::task::JoinHandle<()>,
}

pub fn client() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("http client")
}

/// The real app, on port 0, against a fresh database holding the shipped bank.
pub async fn spawn_app() -> TestApp {
    let (db_url, pool) = fresh_database().await;
    mockexam::bank::sync::sync(&pool, shipped_bank()).await.expect("bank sync");
    spawn_on(db_url, pool).await
}

/// The app against an existing database (e.g. to "restart" it).
pub async fn spawn_on(db_url: String, pool: PgPool) -> TestApp {
    let mut settings = Settings::for_tests(shipped_bank_dir());
    settings.trust_forwarded_for = true; // lets tests act from several client addresses
    let app = Application::build(settings, pool.clone()).await.expect("app builds");
    let addr = app.addr();
    let server = tokio::spawn(async move {
        app.run_until(std::future::pending()).await.expect("server runs");
    });
    TestApp { addr, pool, db_url, client: client(), server }
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

impl TestApp {
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

    /// A second browser on the same server.
    pub fn another_client(&self) -> TestApp {
        TestApp {
            addr: self.addr,
            pool: self.pool.clone(),
            db_url: self.db_url.clone(),
            client: client(),
            server: tokio::spawn(async {}),
        }
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
