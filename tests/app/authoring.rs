//! The instructor's workshop against the real app and PostgreSQL: search, edit with preview and the
//! validator's messages, versions and the history diff, the optimistic version check, export back to
//! files byte for byte, the file-versus-browser rule, GIFT both ways, the lifecycle, and who may do it.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::exam::start_mock;
use crate::helpers::*;

const EXAM: &str = "MLS-C01";
/// A shipped question whose stem holds the word the test searches for and changes.
const QUESTION: &str = "dms-full-load-cdc-to-s3";

async fn instructor(v: &Visitor, pool: &sqlx::PgPool) {
    let email = unique_email();
    assert_eq!(v.sign_up(&email, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let parsed = mockexam::accounts::Email::parse(&email).unwrap();
    assert!(mockexam::accounts::grant(pool, &parsed, mockexam::accounts::Role::Instructor).await.unwrap());
}

/// The editor's text and version for a question.
async fn open_editor(v: &Visitor, id: &str) -> (String, String) {
    let page = v.text(&format!("/instructor/questions/{id}/edit?exam={EXAM}")).await;
    let source = text_of_textarea(&page);
    let base = attr_at(&page, r#"input[name="base"]"#, "value").expect("base version");
    (source, base)
}

fn text_of_textarea(page: &str) -> String {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse("textarea#source").unwrap();
    doc.select(&sel).next().expect("the editor").text().collect()
}

async fn save(v: &Visitor, id: &str, source: &str, base: &str, note: &str) -> reqwest::Response {
    let path = format!("/instructor/questions/{id}/edit");
    v.post(&path, &[("exam", EXAM), ("source", source), ("base", base), ("note", note), ("action", "save")]).await
}

/// A copy of the shipped bank in a temporary folder (a snapshot, so the test does not depend on files
/// changing under it), loaded without errors.
fn bank_copy() -> (tempfile::TempDir, mockexam::bank::Bank) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&shipped_bank_dir(), dir.path());
    let (bank, diagnostics) = mockexam::bank::load(dir.path());
    assert!(!diagnostics.iter().any(|d| d.is_error()), "{diagnostics:?}");
    (dir, bank)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn files(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                walk(root, &e.path(), out);
            } else {
                out.insert(e.path().strip_prefix(root).unwrap().to_path_buf(), std::fs::read(e.path()).unwrap());
            }
        }
    }
    let mut out = Default::default();
    walk(dir, dir, &mut out);
    out
}

/// Question files and blueprints only (the bank folder also holds README-like Markdown documents).
fn bank_files(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    files(dir)
        .into_iter()
        .filter(|(p, _)| p.components().any(|c| c.as_os_str() == "questions") || p.ends_with("blueprint.toml"))
        .collect()
}

#[tokio::test]
async fn an_instructor_finds_fixes_previews_saves_diffs_and_exports_exactly_that_change() {
    let (snapshot, bank) = bank_copy();
    let db = fresh_database().await;
    mockexam::bank::sync::sync(&db.pool, &bank).await.unwrap();
    let app = spawn_on(db).await;
    instructor(&app, &app.pool).await;

    // Find it by a word of its stem (its longest word, so the match is near the top).
    let (source, base) = open_editor(&app, QUESTION).await;
    assert!(source.starts_with("+++\n"), "the editor holds the file's text");
    let stem_line = source.split("+++\n").nth(2).and_then(|body| body.lines().find(|l| !l.trim().is_empty()));
    let stem_line = stem_line.expect("the stem's first line").to_string();
    let word = stem_line.split(|c: char| !c.is_ascii_alphabetic()).max_by_key(|w| w.len()).expect("a word").to_string();
    let found = app.text(&format!("/instructor/questions?exam=MLS-C01&q={word}")).await;
    assert!(found.contains(&format!("/instructor/questions/{QUESTION}/edit")), "searching {word:?} finds the question");
    assert!(text_at(&found, "#match-count").contains("match"));
    let nothing = app.text("/instructor/questions?exam=MLS-C01&q=zzzqqqxxx").await;
    assert!(text_at(&nothing, "#match-count").starts_with("0 questions"));

    // The typo: the word with its last two letters swapped in the file; the fix swaps them back.
    let (head, tail) = word.split_at(word.len() - 2);
    let typo = format!("{head}{}", tail.chars().rev().collect::<String>());
    let original_line = stem_line.replacen(&word, &typo, 1);
    let with_typo = source.replacen(&stem_line, &original_line, 1);
    assert_eq!(save(&app, QUESTION, &with_typo, &base, "set up the typo").await.status(), StatusCode::SEE_OTHER);
    mockexam::authoring::export::export(&app.pool, snapshot.path(), true).await.unwrap();
    let (source, base) = open_editor(&app, QUESTION).await;
    let fixed_line = stem_line.clone();
    let fixed = source.replacen(&original_line, &fixed_line, 1);

    // Preview: rendered like a candidate's page, no problems.
    let preview = app
        .post(
            &format!("/instructor/questions/{QUESTION}/edit"),
            &[("exam", EXAM), ("source", &fixed), ("base", &base), ("action", "preview")],
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let page = preview.text().await.unwrap();
    assert!(page.contains("No problems"), "{}", text_at(&page, "#diagnostics"));
    assert!(text_at(&page, "#preview").contains(&word));
    assert_eq!(text_of_textarea(&page), fixed, "the text is kept");

    // A save needs a change note; then it is a new version.
    let no_note = save(&app, QUESTION, &fixed, &base, "").await;
    assert_eq!(no_note.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let saved = save(&app, QUESTION, &fixed, &base, "typo fix").await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "{}", saved.text().await.unwrap());
    let (now, new_base) = open_editor(&app, QUESTION).await;
    assert_eq!(now, fixed);
    assert_ne!(new_base, base);

    // The history shows exactly that line changed, who did it and why.
    let history = app.text(&format!("/instructor/questions/{QUESTION}/history?exam={EXAM}")).await;
    assert!(history.contains("1 changed line"), "{}", text_at(&history, "h2"));
    let changed = text_at(&history, "table.diff tr.changed");
    assert!(changed.contains(original_line.trim()) && changed.contains(fixed_line.trim()), "{changed}");
    assert!(text_at(&history, "#record").contains("edited"));
    assert!(text_at(&history, "#versions").contains("typo fix"));
    let dashboard = app.text("/instructor").await;
    assert!(text_at(&dashboard, "#not-exported").contains(QUESTION), "listed as not yet exported");

    // Export into the bank folder: only that file changes, by exactly that line.
    let before = bank_files(snapshot.path());
    let report = mockexam::authoring::export::export(&app.pool, snapshot.path(), true).await.unwrap();
    let after = bank_files(snapshot.path());
    assert_eq!(report.written.len(), 1, "{:?}", report.written);
    let changed_files: Vec<&PathBuf> = after.keys().filter(|p| before.get(*p) != after.get(*p)).collect();
    assert_eq!(changed_files.len(), 1);
    assert!(changed_files[0].ends_with(format!("{QUESTION}.md")));
    let old = String::from_utf8(before[changed_files[0]].clone()).unwrap();
    let new = String::from_utf8(after[changed_files[0]].clone()).unwrap();
    let rows = mockexam::authoring::diff::side_by_side(&old, &new);
    assert_eq!(mockexam::authoring::diff::changes(&rows), 1);
    assert_eq!(new, fixed);
    let dashboard = app.text("/instructor").await;
    assert!(text_at(&dashboard, "#not-exported").is_empty(), "exported now");
}

#[tokio::test]
async fn exporting_an_unchanged_bank_reproduces_the_shipped_files_byte_for_byte() {
    let (snapshot, bank) = bank_copy();
    let db = fresh_database().await;
    mockexam::bank::sync::sync(&db.pool, &bank).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = mockexam::authoring::export::export(&db.pool, out.path(), false).await.unwrap();
    let shipped = bank_files(snapshot.path());
    assert_eq!(report.questions, shipped.len() - 1, "every question and the blueprint");
    assert_eq!(bank_files(out.path()), shipped);
}

#[tokio::test]
async fn an_attempt_started_before_an_edit_still_shows_the_old_text() {
    let app = spawn_app().await;
    let candidate = app.another_client();
    let attempt = start_mock(&candidate).await;
    let id: String = sqlx::query_scalar(
        "select v.question_id from attempt_items ai join question_versions v on v.id = ai.question_version_id
         where ai.attempt_id = $1 and ai.position = 1",
    )
    .bind(attempt)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    instructor(&app, &app.pool).await;
    let (source, base) = open_editor(&app, &id).await;
    let stem_end = source.find("\n- [").unwrap();
    let edited = format!("{} EDITED-IN-BROWSER{}", &source[..stem_end], &source[stem_end..]);
    assert_eq!(save(&app, &id, &edited, &base, "marker").await.status(), StatusCode::SEE_OTHER);

    let page = candidate.text(&format!("/attempts/{attempt}/q/1")).await;
    assert!(!page.contains("EDITED-IN-BROWSER"), "the attempt keeps the version it drew");
    let preview = app.text(&format!("/instructor/questions/{id}/edit?exam={EXAM}")).await;
    assert!(preview.contains("EDITED-IN-BROWSER"));
}

#[tokio::test]
async fn a_broken_source_keeps_the_text_shows_every_error_with_its_line_and_saves_nothing() {
    let app = spawn_app().await;
    instructor(&app, &app.pool).await;
    let new = app.text("/instructor/questions/new?exam=MLS-C01&task=2.1").await;
    let template = text_of_textarea(&new);
    let broken = template
        .replace("id = \"new-question-id\"", "id = \"broken-one\"")
        .replace("difficulty = \"medium\"", "difficulty = \"tricky\"")
        .replace("  > Why it is wrong in this scenario.\n- [ ] Another", "- [ ] Another")
        .replace("<script>", "");
    let res = app
        .post("/instructor/questions/new", &[("exam", EXAM), ("source", &broken), ("note", "new"), ("action", "save")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert_eq!(text_of_textarea(&page), broken, "nothing typed is lost");
    let messages = text_at(&page, "#diagnostics");
    assert!(messages.contains("2 errors"), "{messages}");
    assert!(messages.contains("line 5") && messages.contains("difficulty"), "{messages}");
    assert!(messages.contains("line 13") && messages.contains("rationale"), "{messages}");
    let n: i64 = sqlx::query_scalar("select count(*) from questions where id = 'broken-one'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing saved");

    // Raw HTML and javascript: links are stripped in the preview, as on candidates' pages.
    let hostile = template.replace("id = \"new-question-id\"", "id = \"hostile-one\"").replace(
        "A short scenario: who, what data, which constraint.",
        "A scenario <script>alert(1)</script> with [a link](javascript:alert(2)) and <b onclick=x>bold</b>.",
    );
    let res = app.post("/instructor/preview", &[("exam", EXAM), ("source", &hostile)]).await;
    let fragment = res.text().await.unwrap();
    let preview = html_at(&format!("<div>{fragment}</div>"), "#preview");
    assert!(preview.contains("A scenario"), "{preview}");
    assert!(
        !preview.contains("<script") && !preview.contains("javascript:") && !preview.contains("onclick"),
        "{preview}"
    );

    // Over 64 KiB: refused with a clear message.
    let huge = template.replace("Why the key is right", &"x".repeat(70 * 1024));
    let res = app.post("/instructor/preview", &[("exam", EXAM), ("source", &huge)]).await;
    assert!(res.text().await.unwrap().contains("at most 64 KiB"));
}

#[tokio::test]
async fn a_new_question_needs_its_warnings_confirmed_starts_as_a_draft_and_is_published() {
    let app = spawn_app().await;
    instructor(&app, &app.pool).await;
    let template = text_of_textarea(&app.text("/instructor/questions/new?exam=MLS-C01&task=3.3").await);
    let source = template.replace("id = \"new-question-id\"", "id = \"authoring-test-new\"");
    let saved = app
        .post("/instructor/questions/new", &[("exam", EXAM), ("source", &source), ("note", "new"), ("action", "save")])
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "{}", saved.text().await.unwrap());
    let status: String = sqlx::query_scalar("select status from questions where id = 'authoring-test-new'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "draft");
    let drafts = app.text("/instructor/questions?exam=MLS-C01&status=draft").await;
    assert!(drafts.contains("authoring-test-new"));

    // A copy of a shipped stem warns, and saves only when confirmed.
    let (dms, _) = open_editor(&app, QUESTION).await;
    let copy = dms.replace(&format!("id = \"{QUESTION}\""), "id = \"authoring-test-copy\"");
    let fields = |confirm: bool| {
        let mut f = vec![("exam", EXAM), ("source", copy.as_str()), ("note", "copy"), ("action", "save")];
        if confirm {
            f.push(("confirm", "1"));
        }
        f
    };
    let unconfirmed = app.post("/instructor/questions/new", &fields(false)).await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = unconfirmed.text().await.unwrap();
    assert!(text_at(&page, "#diagnostics").contains("nearly the same"), "{}", text_at(&page, "#diagnostics"));
    assert!(page.contains(&format!("/instructor/questions/{QUESTION}/edit")), "links the other question");
    assert_eq!(app.post("/instructor/questions/new", &fields(true)).await.status(), StatusCode::SEE_OTHER);

    let publish =
        app.post("/instructor/questions/authoring-test-new/status", &[("exam", EXAM), ("step", "publish")]).await;
    assert_eq!(publish.status(), StatusCode::SEE_OTHER);
    let again =
        app.post("/instructor/questions/authoring-test-new/status", &[("exam", EXAM), ("step", "publish")]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "a live question cannot be published again");
}

#[tokio::test]
async fn a_second_save_from_an_older_version_is_refused_with_the_diff() {
    let app = spawn_app().await;
    instructor(&app, &app.pool).await;
    let second = app.another_client();
    instructor(&second, &app.pool).await;
    let (source, base) = open_editor(&app, QUESTION).await;
    let (_, base2) = open_editor(&second, QUESTION).await;
    assert_eq!(base, base2);
    let first = source.replacen("## Explanation\n", "## Explanation\nFirst editor's sentence.\n", 1);
    assert_eq!(save(&app, QUESTION, &first, &base, "first").await.status(), StatusCode::SEE_OTHER);
    let mine = source.replacen("## Explanation\n", "## Explanation\nSecond editor's sentence.\n", 1);
    let refused = save(&second, QUESTION, &mine, &base2, "second").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let page = refused.text().await.unwrap();
    assert!(text_at(&page, "#save-error").contains("changed by someone else"));
    let diff = text_at(&page, "#conflict");
    assert!(diff.contains("First editor's sentence.") && diff.contains("Second editor's sentence."), "{diff}");
    assert_eq!(text_of_textarea(&page), mine, "the second editor's text is kept");
    let (current, _) = open_editor(&app, QUESTION).await;
    assert_eq!(current, first, "no silent overwrite");

    // Restore makes a new version with the old content.
    let versions: Vec<(i64, i32)> =
        sqlx::query_as("select id, version from question_versions where question_id = $1 order by version")
            .bind(QUESTION)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let (_, current_base) = open_editor(&app, QUESTION).await;
    let restore = app
        .post(
            &format!("/instructor/questions/{QUESTION}/restore"),
            &[("exam", EXAM), ("version", &versions[0].0.to_string()), ("base", &current_base)],
        )
        .await;
    assert_eq!(restore.status(), StatusCode::SEE_OTHER);
    let (restored, _) = open_editor(&app, QUESTION).await;
    assert_eq!(restored, source);
    let count: i64 = sqlx::query_scalar("select count(*) from question_versions where question_id = $1")
        .bind(QUESTION)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 3, "restore adds a version");
}

#[tokio::test]
async fn an_older_file_never_overwrites_a_newer_browser_edit() {
    let (snapshot, bank) = bank_copy();
    let db = fresh_database().await;
    mockexam::bank::sync::sync(&db.pool, &bank).await.unwrap();
    let app = spawn_on(db).await;
    instructor(&app, &app.pool).await;
    let (source, base) = open_editor(&app, QUESTION).await;
    let edited = source.replacen("## Explanation\n", "## Explanation\nA browser edit.\n", 1);
    assert_eq!(save(&app, QUESTION, &edited, &base, "browser").await.status(), StatusCode::SEE_OTHER);

    // The server restarts: the file still holds the older text, so it is skipped and reported.
    let report = mockexam::bank::sync::sync(&app.pool, &bank).await.unwrap();
    assert_eq!(report.skipped.len(), 1, "{report}");
    assert!(report.to_string().contains(QUESTION) && report.to_string().contains("not yet exported"));
    assert_eq!(report.changed, 0);
    assert_eq!(open_editor(&app, QUESTION).await.0, edited, "the browser edit stays current");
    assert!(text_at(&app.text("/instructor").await, "#not-exported").contains(QUESTION));

    // A file with content that is new (edited in git) is taken, as a new version.
    let path = snapshot.path().join("mls-c01/questions/1.2").join(format!("{QUESTION}.md"));
    std::fs::write(&path, source.replacen("## Explanation\n", "## Explanation\nA git edit.\n", 1)).unwrap();
    let (bank2, _) = mockexam::bank::load(snapshot.path());
    let report = mockexam::bank::sync::sync(&app.pool, &bank2).await.unwrap();
    assert_eq!((report.changed, report.skipped.len()), (1, 0), "{report}");
    assert!(open_editor(&app, QUESTION).await.0.contains("A git edit."));

    // A question retired in the browser stays retired although its file is still there.
    let other = "kds-hot-shard-low-cardinality-key";
    let res = app.post(&format!("/instructor/questions/{other}/status"), &[("exam", EXAM), ("step", "retire")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let report = mockexam::bank::sync::sync(&app.pool, &bank2).await.unwrap();
    assert_eq!(report.restored, 0);
    let status: String = sqlx::query_scalar("select status from questions where id = $1")
        .bind(other)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "retired");
}

#[tokio::test]
async fn a_quarantined_question_is_kept_out_of_new_mocks_and_drills() {
    let app = spawn_app().await;
    instructor(&app, &app.pool).await;
    // Quarantine every question of 4.4 but one, then draw: none of the quarantined comes back.
    let ids: Vec<String> = sqlx::query_scalar("select id from questions where task = '4.4' order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    for id in &ids[1..] {
        let res =
            app.post(&format!("/instructor/questions/{id}/status"), &[("exam", EXAM), ("step", "quarantine")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let res = app.post("/drill/start", &[("exam", EXAM), ("kind", "tasks"), ("task", "4.4"), ("size", "all")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let drill: uuid::Uuid = location(&res).trim_start_matches("/drills/").parse().unwrap();
    let drawn: Vec<String> = sqlx::query_scalar(
        "select v.question_id from drill_items d join question_versions v on v.id = d.question_version_id where d.drill_id = $1",
    )
    .bind(drill)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(drawn, [ids[0].clone()]);
    let candidate = app.another_client();
    let attempt = start_mock(&candidate).await;
    let in_mock: i64 = sqlx::query_scalar(
        "select count(*) from attempt_items ai join question_versions v on v.id = ai.question_version_id
         where ai.attempt_id = $1 and v.question_id = any($2)",
    )
    .bind(attempt)
    .bind(&ids[1..])
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(in_mock, 0);
    let history = app.text(&format!("/instructor/questions/{}/history?exam={EXAM}", ids[1])).await;
    assert!(text_at(&history, "#record").contains("quarantined"));
}

#[tokio::test]
async fn the_whole_shipped_bank_goes_out_and_back_in_as_gift() {
    let app = spawn_app().await;
    instructor(&app, &app.pool).await;
    let res = app.get("/instructor/gift/export?exam=MLS-C01").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let gift = res.text().await.unwrap();
    let live: i64 =
        sqlx::query_scalar("select count(*) from questions where status = 'live'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(gift.matches("\n::").count() + usize::from(gift.starts_with("::")), live as usize);

    let upload = |text: String| async {
        let token = app.csrf().await;
        let form = Form::new()
            .text("exam", EXAM)
            .part("file", Part::text(text).file_name("bank.gift").mime_str("text/plain").unwrap());
        app.client.post(app.url(&format!("/instructor/gift/import?csrf={token}"))).multipart(form).send().await.unwrap()
    };
    let back = upload(gift.clone()).await;
    assert_eq!(back.status(), StatusCode::OK);
    let page = back.text().await.unwrap();
    assert_eq!(text_at(&page, "#gift-result"), format!("Imported: 0 added, 0 changed, {live} unchanged."));

    // One broken question: every problem with its line, and nothing imported (not even the good ones).
    let changed = gift.replacen("::dms-full-load-cdc-to-s3::", "::dms-full-load-cdc-to-s3::[markdown]CHANGED ", 1);
    let broken = format!("{changed}\n::no-answers::Just a stem\n");
    let refused = upload(broken.clone()).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let line = broken.lines().position(|l| l.starts_with("::no-answers::")).unwrap() + 1;
    let problems = text_at(&refused.text().await.unwrap(), "#gift-problems");
    assert!(problems.contains(&format!("bank.gift:{line}:")) && problems.contains("no answer block"), "{problems}");
    let versions: i64 = sqlx::query_scalar("select count(*) from question_versions where question_id = $1")
        .bind(QUESTION)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(versions, 1, "nothing half-imported");

    // Without the token the upload is refused.
    let form = Form::new().text("exam", EXAM).part("file", Part::text(gift).file_name("bank.gift"));
    let forged = app.client.post(app.url("/instructor/gift/import")).multipart(form).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn students_get_403_and_anonymous_visitors_are_sent_to_sign_in_on_every_instructor_page() {
    let app = spawn_app().await;
    let gets = [
        "/instructor",
        "/instructor/questions",
        "/instructor/questions/new",
        "/instructor/questions/dms-full-load-cdc-to-s3/edit",
        "/instructor/questions/dms-full-load-cdc-to-s3/history",
        "/instructor/gift",
        "/instructor/gift/export",
    ];
    for path in gets {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "anonymous {path}");
        assert!(location(&res).starts_with("/signin?next="), "{path}");
    }
    app.sign_up(&unique_email(), PASSWORD).await;
    for path in gets {
        assert_eq!(app.get(path).await.status(), StatusCode::FORBIDDEN, "student {path}");
    }
    let posts = [
        "/instructor/questions/new",
        "/instructor/questions/dms-full-load-cdc-to-s3/edit",
        "/instructor/questions/dms-full-load-cdc-to-s3/restore",
        "/instructor/questions/dms-full-load-cdc-to-s3/status",
        "/instructor/preview",
    ];
    for path in posts {
        let res = app
            .post(path, &[("exam", EXAM), ("source", "x"), ("step", "retire"), ("version", "1"), ("base", "1")])
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "student POST {path}");
    }
    let status: String = sqlx::query_scalar("select status from questions where id = 'dms-full-load-cdc-to-s3'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "live", "nothing changed");
}
