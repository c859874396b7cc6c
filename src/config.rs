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
    /// Take the client address from X-Forwarded-For (only behind a proxy you trust).
    #[arg(long, env = "MOCKEXAM_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
}

/// Everything the running app needs to know, gathered once at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    pub bank_dir: PathBuf,
    pub secure_cookies: bool,
    pub trust_forwarded_for: bool,
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
            trust_forwarded_for: args.trust_forwarded_for,
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
            trust_forwarded_for: false,
            answer_grace: crate::exam::ANSWER_GRACE,
            sweep_every: Duration::from_secs(1),
        }
    }
}
