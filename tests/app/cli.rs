//! The command line, through the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::helpers::{fresh_database, shipped_bank_dir};

fn mockexam(args: &[&str], db_url: Option<&str>, stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mockexam"));
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    match db_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL"),
    };
    let mut child = cmd.spawn().expect("run mockexam");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn user_add_and_grant() {
    let db = fresh_database().await;
    let (url, pool) = (db.url.clone(), db.pool.clone());
    let out = mockexam(&["user", "add", "Teacher@Example.com"], Some(&url), "a long enough password\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = mockexam(&["user", "add", "teacher@example.com"], Some(&url), "a long enough password\n");
    assert!(!again.status.success(), "duplicate refused");
    let weak = mockexam(&["user", "add", "x@example.com"], Some(&url), "short\n");
    assert!(!weak.status.success() && String::from_utf8_lossy(&weak.stderr).contains("at least 10"));
    let grant = mockexam(&["user", "grant", "teacher@example.com", "instructor"], Some(&url), "");
    assert!(grant.status.success());
    let role: String = sqlx::query_scalar("select role from users where email = 'teacher@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(role, "instructor");
    let missing = mockexam(&["user", "grant", "nobody@example.com", "instructor"], Some(&url), "");
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("no account"));
}

#[test]
fn bank_check_reports_every_problem_with_path_and_line() {
    let ok = mockexam(&["bank", "check", shipped_bank_dir().to_str().unwrap()], None, "");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

    let dir = tempfile::tempdir().unwrap();
    let exam = dir.path().join("exam");
    crate::fixtures::exam_dir_with_blueprint(&exam);
    std::fs::write(exam.join("questions/a.md"), "+++\nid = \"a\"\ntask = \"9.9\"\nservices = []\ndifficulty = \"easy\"\n+++\nStem?\n\n- [x] One\n  > why\n- [ ] Two\n  > why\n- [ ] Three\n  > why\n- [ ] Four\n\n## Explanation\nBecause.\n").unwrap();
    std::fs::write(exam.join("questions/b.md"), "+++\nid = \"b\"\ntask = \"1.1\"\nservices = []\ndifficulty = \"easy\"\ncolour = \"red\"\n+++\nStem?\n\n- [x] One\n  > why\n- [ ] Two\n  > why\n- [ ] Three\n  > why\n- [ ] Four\n  > why\n\n## Explanation\nBecause.\n").unwrap();
    let bad = mockexam(&["bank", "check", dir.path().to_str().unwrap()], None, "");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("questions/a.md:3:"), "unknown task on line 3:\n{stderr}");
    assert!(stderr.contains("questions/a.md:15:"), "option 4 without rationale on line 15:\n{stderr}");
    assert!(stderr.contains("questions/b.md:6:"), "unknown key on line 6:\n{stderr}");

    let stats = mockexam(&["bank", "stats", shipped_bank_dir().to_str().unwrap()], None, "");
    let stdout = String::from_utf8_lossy(&stats.stdout);
    assert!(stdout.contains("Multiple response") && stdout.contains("13") && stdout.contains("3.5"), "{stdout}");
}

#[tokio::test]
async fn bank_export_gift_round_trip_and_a_refused_import() {
    let db = fresh_database().await;
    mockexam::bank::sync::sync(&db.pool, crate::helpers::shipped_bank()).await.unwrap();
    let url = db.url.clone();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("export");
    let export = mockexam(&["bank", "export", dir.to_str().unwrap()], Some(&url), "");
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let live: i64 =
        sqlx::query_scalar("select count(*) from questions where status = 'live'").fetch_one(&db.pool).await.unwrap();
    assert!(String::from_utf8_lossy(&export.stdout).contains(&format!("{live} question(s) of 1 exam(s) exported")));
    let one = "mls-c01/questions/1.2/dms-full-load-cdc-to-s3.md";
    assert_eq!(std::fs::read(dir.join(one)).unwrap(), std::fs::read(shipped_bank_dir().join(one)).unwrap());

    let gift = out.path().join("bank.gift");
    let written = mockexam(&["bank", "gift-export", gift.to_str().unwrap()], Some(&url), "");
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let back = mockexam(&["bank", "gift-import", gift.to_str().unwrap()], Some(&url), "");
    assert!(back.status.success(), "{}", String::from_utf8_lossy(&back.stderr));
    assert_eq!(String::from_utf8_lossy(&back.stdout).trim(), format!("imported: 0 added, 0 changed, {live} unchanged"));

    // A broken question file: the import names it with its line and takes nothing, not even the good files.
    let exam = dir.join("mls-c01");
    let good = dir.join(one);
    std::fs::write(
        &good,
        std::fs::read_to_string(&good).unwrap().replacen("## Explanation\n", "## Explanation\nNew.\n", 1),
    )
    .unwrap();
    let bad = exam.join("questions/1.1/broken.md");
    std::fs::write(&bad, "+++\nid = \"broken\"\ntask = \"1.1\"\n").unwrap();
    let refused = mockexam(&["bank", "import", exam.to_str().unwrap()], Some(&url), "");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("broken.md:1:") && stderr.contains("nothing imported"), "{stderr}");
    let versions: i64 =
        sqlx::query_scalar("select count(*) from question_versions where question_id = 'dms-full-load-cdc-to-s3'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(versions, 1);
    std::fs::remove_file(&bad).unwrap();
    let taken = mockexam(&["bank", "import", exam.to_str().unwrap()], Some(&url), "");
    assert!(taken.status.success(), "{}", String::from_utf8_lossy(&taken.stderr));
    assert!(
        String::from_utf8_lossy(&taken.stdout).contains("0 added, 1 changed"),
        "{}",
        String::from_utf8_lossy(&taken.stdout)
    );
}
