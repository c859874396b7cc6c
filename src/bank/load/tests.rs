use std::fs;

use super::*;
use crate::bank::Severity;
use crate::bank::validate::tests::{FORMAT_EXAMPLE, MULTIPLE_RESPONSE};

use crate::bank::fixtures::MLS_C01;

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create test folder");
    }
    fs::write(path, text).expect("write test file");
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Diagnostics with the temp dir cut off the paths, as `path:line: message`.
fn shown(root: &Path, diagnostics: &[Diagnostic]) -> Vec<String> {
    let prefix = format!("{}/", root.display());
    diagnostics.iter().map(|d| d.to_string().replace(&prefix, "")).collect()
}

#[test]
fn loads_a_folder_of_exams_and_leaves_out_questions_with_errors() {
    let root = temp();
    let root = root.path();
    write(root, "FORMAT.md", "# not an exam");
    write(root, "mls-c01/blueprint.toml", MLS_C01);
    write(root, "mls-c01/questions/1.2/firehose.md", FORMAT_EXAMPLE);
    write(root, "mls-c01/questions/2.1/deeper/income.md", MULTIPLE_RESPONSE);
    let broken = MULTIPLE_RESPONSE
        .replace("difficulty = \"hard\"", "difficulty = \"hardest\"")
        .replace("income-skew-missing", "broken")
        .replace("A data scientist finds", "A bank's analyst sees")
        .replace("in a training dataset have no value", "of the loans table lack a value")
        .replace("linear regression model", "credit model");
    write(root, "mls-c01/questions/2.1/broken.md", &broken);
    write(root, "mls-c01/questions/2.1/notes.txt", "not a question");
    write(root, "mls-c01/questions/2.1/.draft.md", "not a question either");

    let (bank, diagnostics) = load(root);
    assert_eq!(
        shown(root, &diagnostics),
        ["mls-c01/questions/2.1/broken.md:5: difficulty must be \"easy\", \"medium\" or \"hard\", not \"hardest\""]
    );
    assert_eq!(bank.exams.len(), 1);
    let exam = &bank.exams[0];
    assert_eq!(exam.blueprint.code, "MLS-C01");
    assert_eq!(exam.dir, root.join("mls-c01"));
    let ids: Vec<&str> = exam.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["firehose-parquet-athena-cost", "income-skew-missing"]);
    assert_eq!(exam.questions[1].path, root.join("mls-c01/questions/2.1/deeper/income.md"));
}

#[test]
fn loads_a_single_exam_folder() {
    let root = temp();
    let root = root.path();
    write(root, "blueprint.toml", MLS_C01);
    write(root, "questions/a.md", FORMAT_EXAMPLE);
    let (bank, diagnostics) = load(root);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(bank.exams.len(), 1);
    assert_eq!(bank.exams[0].questions.len(), 1);
}

#[test]
fn a_folder_without_any_blueprint_is_an_error_naming_it() {
    let root = temp();
    let root = root.path();
    write(root, "questions/a.md", FORMAT_EXAMPLE);
    let (bank, diagnostics) = load(root);
    assert!(bank.exams.is_empty());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].path, root);
    assert!(diagnostics[0].message.starts_with("no blueprint.toml here or in any folder directly under it"));
}

#[test]
fn a_subfolder_without_a_blueprint_next_to_exams_is_an_error() {
    let root = temp();
    let root = root.path();
    write(root, "mls-c01/blueprint.toml", MLS_C01);
    write(root, "drafts/questions/a.md", FORMAT_EXAMPLE);
    let (bank, diagnostics) = load(root);
    assert_eq!(bank.exams.len(), 1);
    let shown = shown(root, &diagnostics);
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown[0].starts_with("drafts: this folder has no blueprint.toml"), "{shown:?}");
    assert_eq!(
        shown[1],
        "mls-c01: warning: this exam has no questions/ folder: question files go in questions/<task>/<id>.md"
    );
}

#[test]
fn an_invalid_blueprint_drops_the_exam_but_its_questions_are_still_checked() {
    let root = temp();
    let root = root.path();
    write(root, "blueprint.toml", &MLS_C01.replace("weight = 24", "weight = 25"));
    write(root, "questions/a.md", FORMAT_EXAMPLE);
    let no_key = FORMAT_EXAMPLE.replace("- [x]", "- [ ]").replace("-athena-cost\"", "-athena-cost-2\"");
    write(root, "questions/b.md", &no_key);
    let (bank, diagnostics) = load(root);
    assert!(bank.exams.is_empty());
    let shown = shown(root, &diagnostics);
    assert_eq!(shown.len(), 3, "{shown:?}");
    // The line is the first domain's weight; blueprint.rs tests lines, this tests the wiring.
    assert!(
        shown[0].starts_with("blueprint.toml:") && shown[0].contains(": domain weights add up to 101"),
        "{shown:?}"
    );
    assert!(shown[1].starts_with("questions/b.md:7: warning: the stem is nearly the same"), "{shown:?}");
    assert!(shown[2].starts_with("questions/b.md:13: no option is marked correct"), "{shown:?}");
}

#[test]
fn exam_wide_rules_run_over_all_files() {
    let root = temp();
    let root = root.path();
    write(root, "blueprint.toml", MLS_C01);
    write(root, "questions/a.md", FORMAT_EXAMPLE);
    write(root, "questions/b.md", &FORMAT_EXAMPLE.replace("task = \"1.2\"", "task = \"9.9\""));
    write(root, "questions/c.md", &FORMAT_EXAMPLE.replace("-athena-cost\"", "-athena-cost-2\""));
    let (bank, diagnostics) = load(root);
    let severities: Vec<(String, Severity)> = diagnostics
        .iter()
        .map(|d| (d.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), d.severity))
        .collect();
    // a and b share an id; b's task is unknown; b and c are near copies of a.
    let expected = [
        ("a.md", Severity::Error),
        ("b.md", Severity::Error),
        ("b.md", Severity::Error),
        ("b.md", Severity::Warning),
        ("c.md", Severity::Warning),
        ("c.md", Severity::Warning),
    ];
    let expected: Vec<(String, Severity)> = expected.iter().map(|(p, s)| (p.to_string(), *s)).collect();
    assert_eq!(severities, expected, "{diagnostics:#?}");
    let ids: Vec<&str> = bank.exams[0].questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["firehose-parquet-athena-cost-2"], "warnings keep a question, errors drop it");
}

#[test]
fn unreadable_files_are_reported_not_fatal() {
    let root = temp();
    let root = root.path();
    write(root, "blueprint.toml", MLS_C01);
    fs::create_dir_all(root.join("questions")).expect("mkdir");
    fs::write(root.join("questions/latin1.md"), b"+++\nid = \"caf\xe9\"\n+++\n").expect("write");
    let (bank, diagnostics) = load(root);
    assert_eq!(bank.exams[0].questions.len(), 0);
    assert_eq!(
        shown(root, &diagnostics),
        ["questions/latin1.md: this file is not UTF-8 text: save it with UTF-8 encoding"]
    );
}

#[test]
fn a_missing_folder_is_reported() {
    let root = temp();
    let missing = root.path().join("nope");
    let (bank, diagnostics) = load(&missing);
    assert!(bank.exams.is_empty());
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0].message.starts_with("cannot read this folder: "), "{diagnostics:?}");
}
