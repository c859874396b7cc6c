//! Settings for `mockexam serve`, from flags or environment variables (flags win).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// PostgreSQL server to use. Without it, the app runs its own private cluster in DATA_DIR.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where the embedded PostgreSQL cluster (and other local state) lives.
    #[arg(long, env = "MOCKEXAM_DATA_DIR", default_value = ".mockexam")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MOCKEXAM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The question bank: a folder of exams, each with blueprint.toml and questions/.
    #[arg(long, env = "MOCKEXAM_BANK", default_value = "question-bank")]
    pub bank: PathBuf,
    /// Mark cookies `Secure` (set this when the app is served over HTTPS).
    #[arg(long, env = "MOCKEXAM_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// How many reverse proxies you run in front of the app. With N > 0 the client address is the N-th
    /// entry from the right of X-Forwarded-For (the one your outermost proxy appended); the entries to
    /// its left were written by the client and are ignored. 0 (the default) ignores the header.
    #[arg(long, env = "MOCKEXAM_TRUSTED_PROXIES", default_value_t = 0)]
    pub trusted_proxies: usize,
    /// Database connections the app may open (default: four per core, at least 8).
    #[arg(long, env = "MOCKEXAM_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// Serve Prometheus metrics at http://ADDR/metrics (off unless given; keep it private).
    #[arg(long, env = "MOCKEXAM_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Most client connections served at once; further ones wait in the listen queue.
    #[arg(long, env = "MOCKEXAM_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
}

/// Everything the running app needs to know, gathered once at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    pub bank_dir: PathBuf,
    pub secure_cookies: bool,
    pub trusted_proxies: usize,
    pub metrics_bind: Option<SocketAddr>,
    pub pool_size: u32,
    pub max_connections: usize,
    /// A client connection that has not sent a complete request head within this time is closed.
    pub header_timeout: Duration,
    /// Accounts one client address may create per sign-up window (see `accounts::throttle`).
    pub sign_ups_per_address: i64,
    /// How late an answer may arrive after the deadline and still count; the sweeper waits as long.
    pub answer_grace: Duration,
    /// How often the server finishes attempts whose deadline has passed.
    pub sweep_every: Duration,
}

impl Settings {
    pub fn from_args(args: &ServeArgs) -> Self {
        Self {
            bind: args.bind,
            bank_dir: args.bank.clone(),
            secure_cookies: args.secure_cookies,
            trusted_proxies: args.trusted_proxies,
            metrics_bind: args.metrics_bind,
            pool_size: args.pool_size.unwrap_or_else(crate::db::default_pool_size),
            max_connections: args.max_connections,
            header_timeout: Duration::from_secs(10),
            sign_ups_per_address: crate::accounts::throttle::MAX_SIGN_UPS,
            answer_grace: crate::exam::ANSWER_GRACE,
            sweep_every: Duration::from_secs(30),
        }
    }

    /// Settings for tests: a random port on loopback and the shipped bank.
    pub fn for_tests(bank_dir: PathBuf) -> Self {
        Self {
            bind: "127.0.0.1:0".parse().expect("valid address"),
            bank_dir,
            secure_cookies: false,
            trusted_proxies: 0,
            metrics_bind: None,
            pool_size: crate::db::default_pool_size(),
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            // Tests sign up many accounts from one address; the throttle's own test lowers this.
            sign_ups_per_address: 10_000,
            answer_grace: crate::exam::ANSWER_GRACE,
            sweep_every: Duration::from_secs(1),
        }
    }
}
