//! The rules of FORMAT.md. Each rule is a function adding diagnostics that name the line of the
//! offending element: the header key, the option, the stem line, the explanation heading.
//!
//! - [`check_question`]: the rules one file can be checked against on its own
//! - [`check_task`]: the task statement exists in the blueprint
//! - [`check_exam`]: rules across the files of one exam (duplicate ids, near-duplicate stems)

mod exam;
mod options;

use std::path::Path;

use super::parse::QuestionSource;
use super::{AnswerOption, Blueprint, Diagnostic, Difficulty, Question};

pub use exam::{NEAR_DUPLICATE_SIMILARITY, check_exam, duplicate_ids, near_duplicate_stems};
pub use options::{
    LONG_CORRECT_MIN_EXTRA_CHARS, LONG_CORRECT_RATIO, correct_option_length, option_count, option_length_spread,
    option_texts, rationales, stated_selection,
};

const REQUIRED_KEYS: [&str; 4] = ["id", "task", "services", "difficulty"];
const OPTIONAL_KEYS: [&str; 2] = ["references", "status"];

/// Every rule that needs only the file itself.
pub fn check_question(source: &QuestionSource) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    header_keys(source, &mut found);
    id_syntax(source, &mut found);
    task_is_text(source, &mut found);
    string_lists(source, &mut found);
    difficulty(source, &mut found);
    status(source, &mut found);
    stem(source, &mut found);
    option_count(source, &mut found);
    stated_selection(source, &mut found);
    rationales(source, &mut found);
    option_texts(source, &mut found);
    explanation(source, &mut found);
    correct_option_length(source, &mut found);
    option_length_spread(source, &mut found);
    found
}

/// The question's task statement must be one of the blueprint's.
pub fn check_task(source: &QuestionSource, blueprint: &Blueprint, found: &mut Vec<Diagnostic>) {
    let Some((task, line)) = source.header_str("task") else {
        return;
    };
    if blueprint.task(task).is_none() {
        let known: Vec<&str> = blueprint.tasks().map(|(_, t)| t.id.as_str()).collect();
        let message = format!(
            "task \"{task}\" is not a task statement of the {} blueprint (it has {})",
            blueprint.code,
            known.join(", ")
        );
        found.push(Diagnostic::error(&source.path, line, message));
    }
}

/// The question a source describes, if its header holds every required key with the right type.
/// Call it after [`check_question`] found no errors.
pub fn build_question(source: &QuestionSource) -> Option<Question> {
    let string_list = |key| string_list(source, key);
    Some(Question {
        id: source.header_str("id")?.0.to_string(),
        task: source.header_str("task")?.0.to_string(),
        services: string_list("services")??,
        difficulty: Difficulty::from_header(source.header_str("difficulty")?.0)?,
        references: string_list("references").unwrap_or(Some(Vec::new()))?,
        stem: source.stem.text.clone(),
        options: source
            .options
            .iter()
            .map(|option| AnswerOption {
                text: option.text.clone(),
                rationale: option.rationale.as_ref().map(|r| r.text.clone()).unwrap_or_default(),
                correct: option.correct,
            })
            .collect(),
        explanation: source.explanation.as_ref().map(|e| e.text.clone()).unwrap_or_default(),
        path: source.path.clone(),
        line: 1,
        source: source.text.clone(),
        pilot: source.header_str("status").is_some_and(|(s, _)| s == "pilot"),
    })
}

fn error(found: &mut Vec<Diagnostic>, path: &Path, line: usize, message: impl Into<String>) {
    found.push(Diagnostic::error(path, line, message));
}

pub fn header_keys(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    for entry in &source.header {
        if !REQUIRED_KEYS.contains(&entry.key.as_str()) && !OPTIONAL_KEYS.contains(&entry.key.as_str()) {
            let message = format!(
                "unknown key \"{}\" in the header: the keys are id, task, services, difficulty, references and status",
                entry.key
            );
            error(found, &source.path, entry.key_line, message);
        }
    }
    for key in REQUIRED_KEYS {
        if source.header_entry(key).is_none() {
            let message = format!("the header has no \"{key}\" key (required: {})", REQUIRED_KEYS.join(", "));
            error(found, &source.path, 1, message);
        }
    }
}

/// Ids are stable keys in URLs and the database: lowercase letters, digits and '-'.
pub fn id_syntax(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    let Some(entry) = source.header_entry("id") else {
        return;
    };
    let message = match entry.value.as_str() {
        None => "id must be a string, e.g. id = \"firehose-parquet-athena-cost\"".to_string(),
        Some("") => "id is empty: give the question a name like \"firehose-parquet-athena-cost\"".to_string(),
        Some(id) if id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') => {
            return;
        }
        Some(id) => format!("id \"{id}\" may contain only lowercase letters, digits and '-'"),
    };
    error(found, &source.path, entry.value_line, message);
}

pub fn task_is_text(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    let Some(entry) = source.header_entry("task") else {
        return;
    };
    if !entry.value.is_str() {
        let message = "task must be a string naming a task statement of the blueprint, e.g. task = \"1.2\"";
        error(found, &source.path, entry.value_line, message);
    }
}

/// `services` and `references` are lists of strings.
pub fn string_lists(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    for (key, example) in
        [("services", "[\"S3\", \"Athena\"]"), ("references", "[\"https://docs.aws.amazon.com/...\"]")]
    {
        if let (Some(entry), Some(None)) = (source.header_entry(key), string_list(source, key)) {
            let message = format!("{key} must be a list of strings, e.g. {key} = {example}");
            error(found, &source.path, entry.value_line, message);
        }
    }
}

/// `None` if the key is absent, `Some(None)` if it is not a list of strings.
fn string_list(source: &QuestionSource, key: &str) -> Option<Option<Vec<String>>> {
    let array = source.header_entry(key)?.value.as_array();
    Some(array.and_then(|items| items.iter().map(|item| item.as_str().map(str::to_string)).collect()))
}

pub fn difficulty(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    let Some(entry) = source.header_entry("difficulty") else {
        return;
    };
    if entry.value.as_str().and_then(Difficulty::from_header).is_none() {
        let message = format!("difficulty must be \"easy\", \"medium\" or \"hard\", not {}", entry.value);
        error(found, &source.path, entry.value_line, message);
    }
}

/// The optional `status` key: only `"pilot"` (an unscored question being tried out) may be set in a file.
pub fn status(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    let Some(entry) = source.header_entry("status") else {
        return;
    };
    if entry.value.as_str() != Some("pilot") {
        let message = format!(
            "status may only be \"pilot\" (an unscored question being tried out; leave the key out for a live one), not {}",
            entry.value
        );
        error(found, &source.path, entry.value_line, message);
    }
}

pub fn stem(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    if source.stem.text.trim().is_empty() {
        let message =
            "the question has no stem: write the scenario and the question between the header and the first option";
        error(found, &source.path, source.stem.line, message);
    }
}

pub fn explanation(source: &QuestionSource, found: &mut Vec<Diagnostic>) {
    match &source.explanation {
        None => {
            let message = "the question has no explanation: add a '## Explanation' heading after the options \
                           and say why the key is right";
            error(found, &source.path, source.end_line, message);
        }
        Some(explanation) if explanation.text.trim().is_empty() => {
            let message = "the explanation is empty: say why the key is right and the concept behind it";
            error(found, &source.path, explanation.line, message);
        }
        Some(_) => {}
    }
}

#[cfg(test)]
pub(crate) mod tests;
