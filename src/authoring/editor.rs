//! What the editor shows for a question's source text: the question (when it is valid) and every message
//! of the same rules as `mockexam bank check`, with line numbers into the text. Pure: no database, so the
//! unit tests call it directly and every preview and save runs the same code.

use std::path::Path;

use crate::bank::parse::parse_source;
use crate::bank::similarity::similar_pairs;
use crate::bank::validate::{NEAR_DUPLICATE_SIMILARITY, build_question, check_question, check_task};
use crate::bank::{Blueprint, Diagnostic, Question};

/// The largest source the editor takes (a question file is a few KiB).
pub const MAX_SOURCE_BYTES: usize = 64 * 1024;

/// Another question of the exam, for the id and near-duplicate checks.
#[derive(Debug, Clone)]
pub struct Other {
    pub id: String,
    pub stem: String,
}

#[derive(Debug, Clone)]
pub struct Checked {
    /// The question, when the text has no errors.
    pub question: Option<Question>,
    /// Errors first, then warnings, each by line.
    pub diagnostics: Vec<Diagnostic>,
    /// Ids of questions whose stems are nearly the same (also among the warnings).
    pub near_duplicates: Vec<String>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn has_warnings(&self) -> bool {
        self.diagnostics.iter().any(|d| !d.is_error())
    }
}

/// Checks `text` as the file `path` of the exam `bp`. `editing` is the id of the question being edited
/// (its id may not change); `None` for a new question (its id must be new). `others` are the exam's
/// other questions.
pub fn check(bp: &Blueprint, path: &Path, text: &str, editing: Option<&str>, others: &[Other]) -> Checked {
    let mut checked = check_alone(bp, path, text, editing, others);
    if let Some(stem) = checked.stem.take() {
        let others: Vec<&Other> = others.iter().filter(|o| Some(o.id.as_str()) != editing).collect();
        let stems: Vec<&str> = std::iter::once(stem.0.as_str()).chain(others.iter().map(|o| o.stem.as_str())).collect();
        for pair in similar_pairs(&stems, NEAR_DUPLICATE_SIMILARITY).into_iter().filter(|p| p.first == 0) {
            checked.near_duplicate(path, stem.1, &others[pair.second - 1].id, pair.similarity);
        }
        checked.finish();
    }
    checked.checked
}

/// A check without the near-duplicate search, which a caller checking many texts runs once for all.
pub struct Partial {
    pub checked: Checked,
    /// The stem and its line, when the text parsed.
    pub stem: Option<(String, usize)>,
}

impl Partial {
    pub fn near_duplicate(&mut self, path: &Path, line: usize, other: &str, similarity: f64) {
        self.checked.diagnostics.push(Diagnostic::warning(
            path,
            line,
            format!(
                "the stem is nearly the same as the stem of \"{other}\" ({:.0}% of their three-word phrases are \
                 shared): make the two questions ask different things",
                similarity * 100.0
            ),
        ));
        self.checked.near_duplicates.push(other.to_string());
    }

    /// Sorts the messages: errors first, then by line.
    pub fn finish(&mut self) {
        self.checked.diagnostics.sort_by_key(|d| (!d.is_error(), d.line));
    }
}

pub fn check_alone(bp: &Blueprint, path: &Path, text: &str, editing: Option<&str>, others: &[Other]) -> Partial {
    let fail =
        |diagnostics| Partial { checked: Checked { question: None, diagnostics, near_duplicates: vec![] }, stem: None };
    if text.len() > MAX_SOURCE_BYTES {
        let message = format!(
            "the question is {} KiB; a question may be at most {} KiB: shorten the stem or the explanation",
            text.len().div_ceil(1024),
            MAX_SOURCE_BYTES / 1024
        );
        return fail(vec![Diagnostic::error(path, 0, message)]);
    }
    let source = match parse_source(path, text) {
        Ok(source) => source,
        Err(diagnostics) => return fail(diagnostics),
    };
    let mut found = check_question(&source);
    check_task(&source, bp, &mut found);
    if let Some((id, line)) = source.header_str("id") {
        match editing {
            Some(current) if id != current => found.push(Diagnostic::error(
                path,
                line,
                format!("the id is \"{current}\" and cannot change (ids are stable); make a new question instead"),
            )),
            None if others.iter().any(|o| o.id == id) => found.push(Diagnostic::error(
                path,
                line,
                format!("the id \"{id}\" is already used by another question of this exam: choose a new one"),
            )),
            _ => {}
        }
    }
    found.sort_by_key(|d| (!d.is_error(), d.line));
    let question = if found.iter().any(Diagnostic::is_error) { None } else { build_question(&source) };
    Partial {
        checked: Checked { question, diagnostics: found, near_duplicates: vec![] },
        stem: Some((source.stem.text.clone(), source.stem.line)),
    }
}

/// The text a new question starts from: a valid skeleton for the task, to be filled in.
pub fn template(task: &str) -> String {
    format!(
        "+++\nid = \"new-question-id\"\ntask = \"{task}\"\nservices = []\ndifficulty = \"medium\"\n+++\n\
         A short scenario: who, what data, which constraint.\n\nWhich solution meets these requirements?\n\n\
         - [x] The correct option\n  > Why it is right in this scenario.\n\
         - [ ] A workable option that is wrong here\n  > Why it is wrong in this scenario.\n\
         - [ ] Another workable option\n  > Why it is wrong in this scenario.\n\
         - [ ] A third workable option\n  > Why it is wrong in this scenario.\n\n\
         ## Explanation\nWhy the key is right, and the concept behind it.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::fixtures::mls_c01;
    use crate::bank::validate::tests::FORMAT_EXAMPLE;

    fn others() -> Vec<Other> {
        vec![Other { id: "other".into(), stem: "A completely different scenario about training jobs on GPUs".into() }]
    }

    #[test]
    fn a_valid_question_checks_clean() {
        let checked = check(&mls_c01(), Path::new("q.md"), FORMAT_EXAMPLE, None, &others());
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        assert_eq!(checked.question.expect("valid").id, "firehose-parquet-athena-cost");
    }

    #[test]
    fn a_missing_rationale_is_an_error_on_its_line() {
        let text = FORMAT_EXAMPLE.replace(
            "  > CSV is still a row format, so Athena scans as many bytes as before, and the function is code to maintain.\n",
            "",
        );
        let checked = check(&mls_c01(), Path::new("q.md"), &text, None, &[]);
        assert!(checked.question.is_none());
        let error = checked.diagnostics.iter().find(|d| d.is_error()).expect("an error");
        assert_eq!(error.line, 13, "{error:?}");
        assert!(error.message.contains("rationale"), "{}", error.message);
    }

    #[test]
    fn an_unknown_task_and_a_used_id_are_errors() {
        let text = FORMAT_EXAMPLE.replace("task = \"1.2\"", "task = \"9.9\"");
        let taken = vec![Other { id: "firehose-parquet-athena-cost".into(), stem: "x".into() }];
        let checked = check(&mls_c01(), Path::new("q.md"), &text, None, &taken);
        let lines: Vec<usize> = checked.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.line).collect();
        assert_eq!(lines, [2, 3], "{:?}", checked.diagnostics);
    }

    #[test]
    fn the_id_of_an_edited_question_cannot_change() {
        let checked = check(&mls_c01(), Path::new("q.md"), FORMAT_EXAMPLE, Some("another-id"), &[]);
        assert!(checked.has_errors());
        assert!(checked.diagnostics[0].message.contains("cannot change"));
    }

    #[test]
    fn a_near_duplicate_stem_is_a_warning_naming_the_other_question() {
        let stem = FORMAT_EXAMPLE.split("+++\n").nth(2).unwrap().split("\n- [").next().unwrap().to_string();
        let twin = vec![Other { id: "twin".into(), stem }];
        let checked = check(&mls_c01(), Path::new("q.md"), FORMAT_EXAMPLE, None, &twin);
        assert!(!checked.has_errors());
        assert!(checked.has_warnings());
        assert_eq!(checked.near_duplicates, ["twin"]);
        assert!(checked.question.is_some(), "a warning keeps the question");
    }

    #[test]
    fn an_oversized_source_is_refused_before_parsing() {
        let text = format!("{FORMAT_EXAMPLE}{}", "x".repeat(MAX_SOURCE_BYTES));
        let checked = check(&mls_c01(), Path::new("q.md"), &text, None, &[]);
        assert!(checked.diagnostics[0].message.contains("at most 64 KiB"));
    }

    #[test]
    fn the_new_question_template_parses() {
        let checked = check(&mls_c01(), Path::new("q.md"), &template("2.1"), None, &[]);
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    }
}
