//! The operating-system side of the embedded cluster: the system user PostgreSQL runs as when we are
//! root, the directory lock, finding and stopping a server left by a crash, and the guard process that
//! stops the server when the app dies.

use std::fs;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use super::{EmbeddedError, io_err};

/// The system user to run the server as, when we are root.
#[derive(Clone, Copy)]
pub(super) struct RunAs {
    pub uid: u32,
    pub gid: u32,
}

pub(super) fn run_as() -> Result<Option<RunAs>, EmbeddedError> {
    // SAFETY: plain libc calls; getpwnam's result is copied out at once.
    unsafe {
        if libc::geteuid() != 0 {
            return Ok(None);
        }
        let pw = libc::getpwnam(c"postgres".as_ptr());
        if pw.is_null() {
            return Err(EmbeddedError::NoPostgresUser);
        }
        Ok(Some(RunAs { uid: (*pw).pw_uid, gid: (*pw).pw_gid }))
    }
}

pub(super) fn command(program: &Path, run_as: Option<RunAs>) -> Command {
    let mut cmd = Command::new(program);
    if let Some(ids) = run_as {
        cmd.uid(ids.uid).gid(ids.gid);
    }
    // Keep the server out of the terminal's process group: Ctrl-C reaches the app, which then
    // shuts the server down in order.
    cmd.process_group(0);
    cmd
}

pub(super) fn chown(path: &Path, ids: RunAs) -> Result<(), EmbeddedError> {
    std::os::unix::fs::chown(path, Some(ids.uid), Some(ids.gid)).map_err(io_err(path))
}

pub(super) fn can_reach(dir: &Path, ids: RunAs) -> bool {
    Command::new("test").arg("-w").arg(dir).uid(ids.uid).gid(ids.gid).status().map(|s| s.success()).unwrap_or(false)
}

pub(super) fn lock_dir(dir: &Path) -> Result<fs::File, EmbeddedError> {
    let path = dir.join("lock");
    let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io_err(&path))?;
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor we own; the lock lives as long as the file.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        return Err(EmbeddedError::InUse(dir.to_path_buf()));
    }
    Ok(file)
}

/// We hold the directory lock, so a postmaster still running on this data directory was left by an
/// app process that died: stop it (fast shutdown, then harder) so that exactly one server runs.
pub(super) fn stop_stale_server(data: &Path) {
    let Some(pid) = postmaster_pid(data) else { return };
    if !alive(pid) {
        return; // postgres itself clears a stale pid file
    }
    tracing::warn!(pid, "stopping a PostgreSQL server left running by an earlier crash");
    for (signal, wait) in [(libc::SIGINT, 30), (libc::SIGQUIT, 5), (libc::SIGKILL, 5)] {
        // SAFETY: signalling the pid postgres recorded for this data directory.
        unsafe { libc::kill(pid, signal) };
        let deadline = Instant::now() + Duration::from_secs(wait);
        while alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if !alive(pid) {
            return;
        }
    }
}

pub(super) fn postmaster_pid(data: &Path) -> Option<i32> {
    let text = fs::read_to_string(data.join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

pub(super) fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence. A zombie counts as dead: look at /proc.
    let exists = unsafe { libc::kill(pid, 0) } == 0;
    exists
        && !fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')))
            .unwrap_or(false)
}

/// A shell that waits for end-of-file on its stdin and then asks the postmaster to shut down. We keep
/// the write end; the kernel closes it when this process exits, however it exits.
pub(super) fn spawn_guard(pid: i32) -> io::Result<(Child, ChildStdin)> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("read _ignored; kill -INT {pid} 2>/dev/null; exit 0"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()?;
    let stdin = child.stdin.take().expect("stdin was piped");
    Ok((child, stdin))
}
