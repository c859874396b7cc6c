//! Reading a bank from disk: finding the exam folders and their question files, then running
//! every check on them. The bank module reads files only here (and writes them only in `synthetic`).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::blueprint::parse_blueprint;
use super::parse::{QuestionSource, parse_source};
use super::validate::{build_question, check_exam, check_question, check_task};
use super::{Bank, Blueprint, Diagnostic, ExamBank};

const BLUEPRINT: &str = "blueprint.toml";
const QUESTIONS: &str = "questions";

/// Loads one exam folder (it holds `blueprint.toml`) or a folder of exam folders.
///
/// Returns the valid questions of every exam whose blueprint is valid, and every problem found
/// in every file, sorted by path and line. A question with an error is left out of the bank;
/// warnings leave it in.
pub fn load(dir: &Path) -> (Bank, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let exams =
        exam_dirs(dir, &mut diagnostics).iter().filter_map(|exam_dir| load_exam(exam_dir, &mut diagnostics)).collect();
    diagnostics.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    (Bank { exams }, diagnostics)
}

/// Loads the bank and prints every diagnostic to standard error (what `bank check` and `serve` show); the bank, or `None` when there were errors.
pub fn load_and_report(dir: &Path) -> Option<Bank> {
    let (loaded, diagnostics) = load(dir);
    let mut errors = 0;
    for d in &diagnostics {
        eprintln!("{d}");
        if d.severity == super::Severity::Error {
            errors += 1;
        }
    }
    let questions: usize = loaded.exams.iter().map(|e| e.questions.len()).sum();
    let warnings = diagnostics.len() - errors;
    eprintln!(
        "{}: {} exam(s), {questions} valid question(s), {errors} error(s), {warnings} warning(s)",
        dir.display(),
        loaded.exams.len()
    );
    (errors == 0).then_some(loaded)
}

/// `dir` itself if it holds a blueprint, otherwise its direct subfolders that do.
fn exam_dirs(dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    if dir.join(BLUEPRINT).is_file() {
        return vec![dir.to_path_buf()];
    }
    let subfolders = match visible_entries(dir) {
        Ok(entries) => entries.into_iter().map(|entry| entry.path()).filter(|path| path.is_dir()),
        Err(error) => {
            diagnostics.push(Diagnostic::error(dir, 0, format!("cannot read this folder: {error}")));
            return Vec::new();
        }
    };
    let (exams, others): (Vec<PathBuf>, Vec<PathBuf>) = subfolders.partition(|path| path.join(BLUEPRINT).is_file());
    if exams.is_empty() {
        let message = "no blueprint.toml here or in any folder directly under it: point at an exam folder \
                       (blueprint.toml and questions/) or at the folder of exam folders";
        diagnostics.push(Diagnostic::error(dir, 0, message));
    }
    for other in others.iter().filter(|_| !exams.is_empty()) {
        let message = "this folder has no blueprint.toml: every exam folder needs one (see FORMAT.md); \
                       keep other folders out of the question bank";
        diagnostics.push(Diagnostic::error(other, 0, message));
    }
    exams
}

fn load_exam(dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<ExamBank> {
    let blueprint_path = dir.join(BLUEPRINT);
    let blueprint = read_text(&blueprint_path)
        .and_then(|text| parse_blueprint(&blueprint_path, &text).map(|blueprint| (blueprint, text)))
        .map_err(|problems| diagnostics.extend(problems))
        .ok();

    let questions_dir = dir.join(QUESTIONS);
    let mut files = Vec::new();
    if questions_dir.is_dir() {
        markdown_files(&questions_dir, &mut files, diagnostics);
    } else {
        let message = "this exam has no questions/ folder: question files go in questions/<task>/<id>.md";
        diagnostics.push(Diagnostic::warning(dir, 0, message));
    }
    files.sort();

    let questions = check_questions(&files, blueprint.as_ref().map(|(blueprint, _)| blueprint), diagnostics);
    blueprint.map(|(blueprint, blueprint_source)| ExamBank {
        dir: dir.to_path_buf(),
        blueprint,
        blueprint_source,
        questions,
    })
}

/// Reads, parses and checks the question files of one exam; returns the valid questions in
/// `files` order and adds every problem to `diagnostics`.
fn check_questions(
    files: &[PathBuf],
    blueprint: Option<&Blueprint>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<super::Question> {
    let mut sources: Vec<QuestionSource> = Vec::with_capacity(files.len());
    let mut found = Vec::new();
    for path in files {
        match read_text(path).and_then(|text| parse_source(path, &text)) {
            Ok(source) => {
                found.extend(check_question(&source));
                if let Some(blueprint) = blueprint {
                    check_task(&source, blueprint, &mut found);
                }
                sources.push(source);
            }
            Err(problems) => found.extend(problems),
        }
    }
    found.extend(check_exam(&sources));

    let index: HashMap<&Path, usize> = sources.iter().enumerate().map(|(i, s)| (s.path.as_path(), i)).collect();
    let mut has_error = vec![false; sources.len()];
    for diagnostic in found.iter().filter(|d| d.is_error()) {
        if let Some(&i) = index.get(diagnostic.path.as_path()) {
            has_error[i] = true;
        }
    }
    let questions = sources
        .iter()
        .zip(&has_error)
        .filter(|(_, has_error)| !**has_error)
        .filter_map(|(source, _)| build_question(source))
        .collect();
    diagnostics.extend(found);
    questions
}

/// Every `*.md` file under `dir`, at any depth, skipping hidden files and folders.
fn markdown_files(dir: &Path, files: &mut Vec<PathBuf>, diagnostics: &mut Vec<Diagnostic>) {
    let entries = match visible_entries(dir) {
        Ok(entries) => entries,
        Err(error) => {
            diagnostics.push(Diagnostic::error(dir, 0, format!("cannot read this folder: {error}")));
            return;
        }
    };
    for entry in entries {
        let path = entry.path();
        // `file_type` does not follow links, so a link loop cannot make this recurse forever.
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            markdown_files(&path, files, diagnostics);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            files.push(path);
        }
    }
}

/// Entries of a folder, without names starting with '.' (editor swap files, `.git`).
fn visible_entries(dir: &Path) -> std::io::Result<Vec<fs::DirEntry>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if !entry.file_name().to_string_lossy().starts_with('.') {
            entries.push(entry);
        }
    }
    entries.sort_by_key(fs::DirEntry::file_name);
    Ok(entries)
}

fn read_text(path: &Path) -> Result<String, Vec<Diagnostic>> {
    let bytes =
        fs::read(path).map_err(|error| vec![Diagnostic::error(path, 0, format!("cannot read this file: {error}"))])?;
    String::from_utf8(bytes)
        .map_err(|_| vec![Diagnostic::error(path, 0, "this file is not UTF-8 text: save it with UTF-8 encoding")])
}

#[cfg(test)]
mod tests;
