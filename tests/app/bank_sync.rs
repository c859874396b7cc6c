use std::path::{Path, PathBuf};

use mockexam::bank::sync::{SyncReport, sync};
use mockexam::bank::{self, Severity};

use crate::helpers::*;

fn question_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

async fn sync_dir(pool: &sqlx::PgPool, dir: &Path) -> SyncReport {
    let (loaded, diagnostics) = bank::load(dir);
    assert!(diagnostics.iter().all(|d| d.severity != Severity::Error), "{diagnostics:?}");
    sync(pool, &loaded).await.unwrap()
}

#[tokio::test]
async fn sync_adds_versions_changes_retires_and_restores() {
    let db = fresh_database().await;
    let pool = db.pool.clone();
    let dir = tempfile::tempdir().unwrap();
    crate::fixtures::synthetic_bank(&dir.path().join("exam"), 30);

    let first = sync_dir(&pool, dir.path()).await;
    assert_eq!(first, SyncReport { added: 30, ..Default::default() });
    let again = sync_dir(&pool, dir.path()).await;
    assert_eq!(again, SyncReport { unchanged: 30, ..Default::default() });

    // Change one question's stem: a new version, the old one kept.
    let files = question_files(&dir.path().join("exam"));
    let changed = &files[0];
    let text = std::fs::read_to_string(changed).unwrap();
    let (header, body) = text.split_at(text[3..].find("+++").unwrap() + 7);
    std::fs::write(changed, format!("{header}A newly added first sentence of the stem.\n{body}")).unwrap();
    let report = sync_dir(&pool, dir.path()).await;
    assert_eq!(report, SyncReport { changed: 1, unchanged: 29, ..Default::default() });
    let versions: Vec<(i32, bool)> = sqlx::query_as(
        "select v.version, v.id = q.current_version_id from question_versions v
         join questions q on q.exam_code = v.exam_code and q.id = v.question_id
         where v.question_id = (select question_id from question_versions group by question_id having count(*) > 1)
         order by v.version",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(versions, vec![(1, false), (2, true)]);

    // Remove a file: retired, not deleted.
    let removed = &files[1];
    let saved = std::fs::read_to_string(removed).unwrap();
    std::fs::remove_file(removed).unwrap();
    let report = sync_dir(&pool, dir.path()).await;
    assert_eq!(report, SyncReport { retired: 1, unchanged: 29, ..Default::default() });
    let (all, live): (i64, i64) =
        sqlx::query_as("select count(*), count(*) filter (where status = 'live') from questions")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((all, live), (30, 29));

    // Put it back: restored, with its old version (same content).
    std::fs::write(removed, saved).unwrap();
    let report = sync_dir(&pool, dir.path()).await;
    assert_eq!(report, SyncReport { restored: 1, unchanged: 29, ..Default::default() });
    let versions: i64 = sqlx::query_scalar("select count(*) from question_versions").fetch_one(&pool).await.unwrap();
    assert_eq!(versions, 31);
}

#[tokio::test]
async fn the_shipped_bank_syncs_and_renders_markdown_safely() {
    let db = fresh_database().await;
    let pool = db.pool.clone();
    let report = sync(&pool, shipped_bank()).await.unwrap();
    assert!(report.added >= 300, "{report}");
    let scripts: i64 = sqlx::query_scalar(
        "select count(*) from question_versions where stem_html ilike '%<script%' or options::text ilike '%<script%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(scripts, 0);
}

#[test]
fn the_shipped_bank_passes_bank_check() {
    let (loaded, diagnostics) = bank::load(&shipped_bank_dir());
    let errors: Vec<String> =
        diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let exam = loaded.exams.iter().find(|e| e.blueprint.code == "MLS-C01").expect("MLS-C01 is shipped");
    let in_domain =
        |d: u32| exam.questions.iter().filter(|q| exam.blueprint.domain_of(&q.task).unwrap().number == d).count();
    // One full mock's worth (13/16/23/13) and the depth of the content issues (60/72/108/60).
    assert!(in_domain(1) >= 60 && in_domain(2) >= 72 && in_domain(3) >= 108 && in_domain(4) >= 60);
    for (_, task) in exam.blueprint.tasks() {
        let n = exam.questions.iter().filter(|q| q.task == task.id).count();
        assert!(n >= 12, "task {} has only {n} questions", task.id);
    }
    let multiple = exam.questions.iter().filter(|q| q.is_multiple_response()).count() as f64;
    let share = multiple / exam.questions.len() as f64;
    assert!((0.10..=0.20).contains(&share), "multiple-response share {share}");
}
