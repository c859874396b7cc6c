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
        let mut last_error = None;
        for _ in 0..3 {
            let port = free_port().map_err(io_err(&dir))?;
            match spawn_server(&bindir, &data, &log_path, port, run_as) {
                Ok(mut child) => match wait_ready(&bindir, &data, port, &mut child, &log_path) {
                    Ok(postmaster_pid) => {
                        let guard = spawn_guard(postmaster_pid).ok();
                        tracing::info!(port, dir = %dir.display(), "embedded PostgreSQL ready");
                        return Ok(Self {
                            dir,
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
