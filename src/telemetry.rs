//! Structured logs with `tracing`. `RUST_LOG` filters (default: info for the app and requests);
//! `MOCKEXAM_LOG_FORMAT=json` prints one JSON object per line for log collectors.

use tracing_subscriber::EnvFilter;

/// `quiet`: warnings only unless `RUST_LOG` says otherwise (benchmarks: a log line per request would
/// be measured too).
pub fn init(quiet: bool) {
    let default = if quiet { "warn" } else { "info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if std::env::var("MOCKEXAM_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
