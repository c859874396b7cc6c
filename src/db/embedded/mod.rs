//! A private PostgreSQL cluster run from the machine's installed server binaries.
//!
//! Layout of the state directory (default `.mockexam/postgres`):
//! - `data/`      the cluster (PGDATA), created by `initdb` on first start and reused afterwards;
//! - `password`   the generated superuser password (mode 0600, readable by the app only);
//! - `lock`       held with `flock` while an app process owns the cluster, so two apps never share it;
//! - `server.log` what PostgreSQL printed.
//!
//! PostgreSQL refuses to run as root. When the app runs as root it starts `initdb` and `postgres` as the
//! `postgres` system user (found with `getpwnam`), which owns `data/`.
//!
//! Shutdown is belt and braces: `stop()` (called on Ctrl-C / SIGTERM and on drop) asks the postmaster
//! for a fast shutdown; a tiny guard process also holds a pipe from us and stops the postmaster when the
//! pipe closes, i.e. when this process dies in any way. A server still running from a crash is found
//! through `postmaster.pid` and stopped before a fresh start, never duplicated.
//!
//! While the app runs, [`supervise`] looks at the postmaster every second: if it died (crash,
//! `kill -9`, out-of-memory killer) it is reaped at once (no zombie left to block a restart) and
//! started again on the same port, so the pool reconnects and the app recovers without a restart.
//! The port is kept in `port` and reused on every start while it is free.

use std::fs;
use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

mod os;

use os::{RunAs, can_reach, chown, command, lock_dir, postmaster_pid, run_as, spawn_guard, stop_stale_server};

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL server binaries found (looked at `pg_config --bindir` and /usr/lib/postgresql/*/bin).\n\
         Install them (Debian/Ubuntu: `apt-get install postgresql`), or set DATABASE_URL to use an existing \
         server, or run `docker compose up` to start the app with its own database container."
    )]
    NoBinaries,
    #[error("another mockexam process is already using the database directory {0}")]
    InUse(PathBuf),
    #[error(
        "the `postgres` system user cannot use {0} (PostgreSQL refuses to run as root, so the app runs it as \
         `postgres`). Set MOCKEXAM_DATA_DIR to a directory that user can reach, or run the app as a normal user."
    )]
    Unreachable(PathBuf),
    #[error(
        "running as root but there is no `postgres` system user to run PostgreSQL as; create one or set DATABASE_URL"
    )]
    NoPostgresUser,
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("PostgreSQL did not become ready within {0:?}; see {1}")]
    NotReady(Duration, PathBuf),
    #[error("I/O error on {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> EmbeddedError + '_ {
    move |source| EmbeddedError::Io { path: path.to_path_buf(), source }
}

pub struct EmbeddedPostgres {
    dir: PathBuf,
    bindir: PathBuf,
    run_as: Option<RunAs>,
    port: u16,
    password: String,
    postmaster_pid: i32,
    child: Option<Child>,
    guard: Option<(Child, ChildStdin)>,
    _lock: fs::File,
}

impl EmbeddedPostgres {
    /// Starts (initialising on first use) the cluster kept in `dir`. Blocking: call it from
    /// `spawn_blocking` in async code.
    pub fn start(dir: &Path) -> Result<Self, EmbeddedError> {
        let bindir = find_bindir().ok_or(EmbeddedError::NoBinaries)?;
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let dir = dir.canonicalize().map_err(io_err(dir))?;
        let run_as = run_as()?;
        let lock = lock_dir(&dir)?;
        if let Some(ids) = run_as {
            chown(&dir, ids)?;
            if !can_reach(&dir, ids) {
                return Err(EmbeddedError::Unreachable(dir));
            }
        }
        let data = dir.join("data");
        let password_file = dir.join("password");
        if !data.join("PG_VERSION").exists() || !password_file.exists() {
            init_cluster(&bindir, &dir, &data, &password_file, run_as)?;
        }
        let password = fs::read_to_string(&password_file).map_err(io_err(&password_file))?.trim().to_string();
        stop_stale_server(&data);

        let log_path = dir.join("server.log");
        let port_file = dir.join("port");
        let mut last_error = None;
        for attempt in 0..3 {
            let kept = fs::read_to_string(&port_file).ok().and_then(|p| p.trim().parse::<u16>().ok());
            let port = match kept {
                Some(p) if attempt == 0 && port_is_free(p) => p,
                _ => free_port().map_err(io_err(&dir))?,
            };
            match spawn_server(&bindir, &data, &log_path, port, run_as) {
                Ok(mut child) => match wait_ready(&bindir, &data, port, &mut child, &log_path) {
                    Ok(postmaster_pid) => {
                        let guard = spawn_guard(postmaster_pid).ok();
                        let _ = fs::write(&port_file, port.to_string());
                        tracing::info!(port, dir = %dir.display(), "embedded PostgreSQL ready");
                        return Ok(Self {
                            dir,
                            bindir,
                            run_as,
                            port,
                            password,
                            postmaster_pid,
                            child: Some(child),
                            guard,
                            _lock: lock,
                        });
                    }
                    Err(e) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        last_error = Some(e);
                    }
                },
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.expect("three attempts were made"))
    }

    pub fn postmaster_pid(&self) -> i32 {
        self.postmaster_pid
    }

    /// If the postmaster has exited, reaps it and starts the cluster again on the same port; true when
    /// it did. Blocking. The dead server's backends exit on their own within moments; until they have,
    /// a new postmaster refuses to start (their shared memory is still attached), so it retries for up
    /// to a minute.
    pub fn recover_if_dead(&mut self) -> Result<bool, EmbeddedError> {
        let Some(child) = self.child.as_mut() else { return Ok(false) };
        match child.try_wait() {
            Ok(None) => return Ok(false),
            Ok(Some(status)) => tracing::error!(%status, "embedded PostgreSQL died; restarting it"),
            Err(e) => tracing::error!(error = %e, "embedded PostgreSQL cannot be waited for; restarting it"),
        }
        self.child = None;
        RESTARTING.store(true, std::sync::atomic::Ordering::SeqCst);
        // The guard watches the dead pid: end it without letting it signal a pid that may be reused.
        if let Some((mut guard, stdin)) = self.guard.take() {
            let _ = guard.kill();
            let _ = guard.wait();
            drop(stdin);
        }
        let data = self.dir.join("data");
        let log_path = self.dir.join("server.log");
        let started = Instant::now();
        loop {
            stop_stale_server(&data);
            let result = spawn_server(&self.bindir, &data, &log_path, self.port, self.run_as).and_then(|mut child| {
                match wait_ready(&self.bindir, &data, self.port, &mut child, &log_path) {
                    Ok(pid) => Ok((child, pid)),
                    Err(e) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        Err(e)
                    }
                }
            });
            match result {
                Ok((child, pid)) => {
                    self.postmaster_pid = pid;
                    self.child = Some(child);
                    self.guard = spawn_guard(pid).ok();
                    RESTARTING.store(false, std::sync::atomic::Ordering::SeqCst);
                    tracing::info!(
                        port = self.port,
                        ms = started.elapsed().as_millis() as u64,
                        "embedded PostgreSQL restarted"
                    );
                    return Ok(true);
                }
                Err(e) if started.elapsed() > Duration::from_secs(60) => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "embedded PostgreSQL not restarted yet; retrying");
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
    }

    /// The URL of the cluster in `dir` that another mockexam process (a running server) has started, so a
    /// command such as `bank export` or `user add` can work beside it. None when it is not running.
    pub fn running_url(dir: &Path, database: &str) -> Option<String> {
        let port: u16 = fs::read_to_string(dir.join("port")).ok()?.trim().parse().ok()?;
        let password = fs::read_to_string(dir.join("password")).ok()?;
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        Some(format!("postgres://postgres:{}@127.0.0.1:{port}/{database}", password.trim()))
    }

    /// Connection URL for a database of this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres:{}@127.0.0.1:{}/{}", self.password, self.port, database)
    }

    /// Fast shutdown: active connections are closed, committed data is safe on disk.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        // SAFETY: kill(2) with a pid we started; harmless if it already exited.
        unsafe { libc::kill(self.postmaster_pid, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        if let Some((mut guard, stdin)) = self.guard.take() {
            drop(stdin);
            let _ = guard.wait();
        }
        tracing::info!(dir = %self.dir.display(), "embedded PostgreSQL stopped");
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `pg_config --bindir` when it holds a server, else the newest `/usr/lib/postgresql/*/bin`.
pub fn find_bindir() -> Option<PathBuf> {
    let has_server = |p: &Path| p.join("postgres").is_file() && p.join("initdb").is_file();
    if let Some(dir) = std::env::var_os("MOCKEXAM_PG_BINDIR").map(PathBuf::from) {
        return has_server(&dir).then_some(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_server(&dir) {
            return Some(dir);
        }
    }
    let mut candidates: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_server(&bin).then_some((version, bin))
        })
        .collect();
    candidates.sort();
    candidates.pop().map(|(_, dir)| dir)
}

fn init_cluster(
    bindir: &Path,
    dir: &Path,
    data: &Path,
    password_file: &Path,
    run_as: Option<RunAs>,
) -> Result<(), EmbeddedError> {
    // A half-made cluster (initdb interrupted) is discarded: it never held data.
    if data.exists() {
        fs::remove_dir_all(data).map_err(io_err(data))?;
    }
    let password = crate::secret::token();
    let pwfile = dir.join("initdb-pwfile");
    write_private(&pwfile, &password)?;
    if let Some(ids) = run_as {
        chown(&pwfile, ids)?;
    }
    let out = command(&bindir.join("initdb"), run_as)
        .arg("-D")
        .arg(data)
        .args(["-U", "postgres", "-E", "UTF8", "--locale=C", "--auth=scram-sha-256"])
        .arg(format!("--pwfile={}", pwfile.display()))
        .stdin(Stdio::null())
        .output();
    let _ = fs::remove_file(&pwfile);
    let out = out.map_err(|e| EmbeddedError::Command { what: "initdb".into(), detail: e.to_string() })?;
    if !out.status.success() {
        return Err(EmbeddedError::Command {
            what: "initdb".into(),
            detail: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    write_private(password_file, &password)
}

fn write_private(path: &Path, contents: &str) -> Result<(), EmbeddedError> {
    let mut f =
        fs::OpenOptions::new().create(true).truncate(true).write(true).mode(0o600).open(path).map_err(io_err(path))?;
    f.write_all(contents.as_bytes()).map_err(io_err(path))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io_err(path))
}

/// True while a dead embedded server is being restarted (`/healthz` then answers 503 even if an old
/// backend still answers a query on a pooled connection).
pub static RESTARTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Watches the cluster until the task is aborted: see the module notes.
pub async fn supervise(server: std::sync::Arc<std::sync::Mutex<EmbeddedPostgres>>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let server = server.clone();
        let checked = tokio::task::spawn_blocking(move || match server.lock() {
            Ok(mut server) => server.recover_if_dead(),
            Err(_) => Ok(false),
        })
        .await;
        if let Ok(Err(e)) = checked {
            tracing::error!(error = %e, "embedded PostgreSQL could not be restarted; will try again");
        }
    }
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn spawn_server(
    bindir: &Path,
    data: &Path,
    log_path: &Path,
    port: u16,
    run_as: Option<RunAs>,
) -> Result<Child, EmbeddedError> {
    let log = fs::OpenOptions::new().create(true).append(true).open(log_path).map_err(io_err(log_path))?;
    let log2 = log.try_clone().map_err(io_err(log_path))?;
    command(&bindir.join("postgres"), run_as)
        .arg("-D")
        .arg(data)
        .arg("-p")
        .arg(port.to_string())
        .args(["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(|e| EmbeddedError::Command { what: "starting postgres".into(), detail: e.to_string() })
}

fn wait_ready(bindir: &Path, data: &Path, port: u16, child: &mut Child, log: &Path) -> Result<i32, EmbeddedError> {
    let limit = Duration::from_secs(60);
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(EmbeddedError::Command {
                what: "postgres".into(),
                detail: format!("exited with {status}; last lines of {}:\n{}", log.display(), tail(log, 15)),
            });
        }
        let ready = Command::new(bindir.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ready && let Some(pid) = postmaster_pid(data) {
            return Ok(pid);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(EmbeddedError::NotReady(limit, log.to_path_buf()))
}

fn tail(path: &Path, lines: usize) -> String {
    let mut text = String::new();
    let _ = fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
