//! The embedded PostgreSQL, through the real binary: starts, keeps data across restarts, stops with
//! the app, recovers a server left by a crash, and explains itself when no binaries are installed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, client, csrf_in, shipped_bank_dir, unique_email};

struct Served {
    child: Child,
    base: String,
    log: mpsc::Receiver<String>,
}

fn serve(data_dir: &Path) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mockexam"))
        .args(["serve", "--bind", "127.0.0.1:0", "--bank"])
        .arg(shipped_bank_dir())
        .env("MOCKEXAM_DATA_DIR", data_dir)
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mockexam serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && let Some(i) = line.find("listening on http://")
        {
            let base = line[i + "listening on ".len()..].trim().to_string();
            return Served { child, base, log: rx };
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("mockexam serve exited early with {status}");
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("mockexam serve did not start listening");
}

fn postmaster_pid(data_dir: &Path) -> i32 {
    let text = std::fs::read_to_string(data_dir.join("postgres/data/postmaster.pid")).expect("postmaster.pid");
    text.lines().next().unwrap().trim().parse().unwrap()
}

fn alive(pid: i32) -> bool {
    // A zombie (exited, not yet reaped) counts as stopped.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
        .unwrap_or(false)
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting until {what}");
}

fn signal(pid: u32, sig: i32) {
    // SAFETY: signalling processes this test started.
    unsafe { libc::kill(pid as i32, sig) };
}

fn children(pid: u32) -> Vec<u32> {
    let mut out = vec![];
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(c) = std::fs::read_to_string(t.path().join("children")) {
                out.extend(c.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
            }
        }
    }
    out
}

/// Signs up or in (`path` is /signup or /signin) in a fresh browser; the response status.
async fn credentials(base: &str, path: &str, email: &str) -> StatusCode {
    let c = client();
    let page = c.get(format!("{base}{path}")).send().await.unwrap().text().await.unwrap();
    let token = csrf_in(&page).unwrap();
    c.post(format!("{base}{path}"))
        .form(&[("email", email), ("password", PASSWORD), ("csrf", &token)])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn embedded_cluster_starts_keeps_data_stops_with_the_app_and_recovers_from_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state");
    let email = unique_email();

    // First start: initdb, serve, sign up.
    let mut first = serve(&data);
    assert_eq!(credentials(&first.base, "/signup", &email).await, StatusCode::SEE_OTHER);
    let health = client().get(format!("{}/healthz", first.base)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let pg1 = postmaster_pid(&data);
    assert!(alive(pg1));

    // SIGTERM: the app stops, and its PostgreSQL with it.
    signal(first.child.id(), libc::SIGTERM);
    let status = first.child.wait().unwrap();
    assert!(status.success(), "clean exit: {status}");
    wait_until("the embedded server stopped", || !alive(pg1));
    while first.log.try_recv().is_ok() {}

    // Second start: same cluster, data kept.
    let mut second = serve(&data);
    assert_eq!(
        credentials(&second.base, "/signin", &email).await,
        StatusCode::SEE_OTHER,
        "account survived the restart"
    );
    let pg2 = postmaster_pid(&data);

    // A crash that leaves the server running: kill the guard, then the app, both with SIGKILL.
    for c in children(second.child.id()) {
        if c as i32 != pg2 {
            signal(c, libc::SIGKILL);
        }
    }
    signal(second.child.id(), libc::SIGKILL);
    second.child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(alive(pg2), "the crash left the old server running");

    // Third start recovers: the stale server is stopped, exactly one new one runs.
    let mut third = serve(&data);
    assert!(!alive(pg2), "stale server stopped, not duplicated");
    let pg3 = postmaster_pid(&data);
    assert_ne!(pg2, pg3);
    assert_eq!(credentials(&third.base, "/signin", &email).await, StatusCode::SEE_OTHER);

    // An app that dies outright still takes its server down (the guard process).
    signal(third.child.id(), libc::SIGKILL);
    third.child.wait().unwrap();
    wait_until("the guard stopped the server", || !alive(pg3));
}

#[test]
fn missing_postgresql_binaries_give_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mockexam"))
        .args(["serve", "--bind", "127.0.0.1:0", "--bank"])
        .arg(shipped_bank_dir())
        .env("MOCKEXAM_DATA_DIR", dir.path())
        .env("MOCKEXAM_PG_BINDIR", dir.path().join("no-such-dir"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for hint in
        ["no PostgreSQL server binaries found", "apt-get install postgresql", "DATABASE_URL", "docker compose up"]
    {
        assert!(stderr.contains(hint), "missing {hint:?} in:\n{stderr}");
    }
}

#[test]
fn a_broken_question_file_stops_the_server_with_path_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let exam = dir.path().join("bank/exam");
    crate::fixtures::exam_dir_with_blueprint(&exam);
    std::fs::write(exam.join("questions/broken.md"), "+++\nid = \"broken\"\ntask = \"9.9\"\n+++\nNo options here.\n")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mockexam"))
        .args(["serve", "--bind", "127.0.0.1:0", "--bank"])
        .arg(dir.path().join("bank"))
        .env("MOCKEXAM_DATA_DIR", dir.path().join("state"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("questions/broken.md:3:"), "path and line of the bad task: {stderr}");
    assert!(!dir.path().join("state/postgres").exists(), "nothing started");
}

fn postmaster_port(data_dir: &Path) -> String {
    let text = std::fs::read_to_string(data_dir.join("postgres/data/postmaster.pid")).expect("postmaster.pid");
    text.lines().nth(3).unwrap().trim().to_string()
}

#[tokio::test]
async fn a_killed_postmaster_is_reaped_and_restarted_on_the_same_port_without_restarting_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state");
    let email = unique_email();
    let mut app = serve(&data);
    assert_eq!(credentials(&app.base, "/signup", &email).await, StatusCode::SEE_OTHER);
    let (pid, port) = (postmaster_pid(&data), postmaster_port(&data));

    signal(pid as u32, libc::SIGKILL);
    let killed = Instant::now();
    // Once the death is noticed (within a second), /healthz tells the truth: "ok" only from a new server.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let health = client().get(format!("{}/healthz", app.base)).send().await.unwrap();
    if health.status() == StatusCode::OK {
        assert_ne!(postmaster_pid(&data), pid, "ok only from a new server");
    }
    let mut recovered = None;
    while killed.elapsed() < Duration::from_secs(60) {
        let res = client().get(format!("{}/healthz", app.base)).send().await;
        if res.is_ok_and(|r| r.status() == StatusCode::OK) && postmaster_pid(&data) != pid {
            recovered = Some(killed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = recovered.expect("the app recovered within a minute");
    eprintln!("recovered from a killed postmaster in {took:?}");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the dead postmaster was reaped, not left a zombie"
    );
    assert_ne!(postmaster_pid(&data), pid);
    assert_eq!(postmaster_port(&data), port, "same port");
    assert_eq!(credentials(&app.base, "/signin", &email).await, StatusCode::SEE_OTHER, "data intact");

    signal(app.child.id(), libc::SIGTERM);
    assert!(app.child.wait().unwrap().success());
}
