//! The question bank: exam blueprints and question files read from disk, checked, and turned into
//! plain values the rest of the app uses.
//!
//! A bank folder holds one folder per exam (`<exam>/blueprint.toml` plus `<exam>/questions/**/*.md`);
//! `question-bank/FORMAT.md` is the specification of the files. [`load`] reads everything and
//! returns the valid questions together with every problem found, as `path:line: message`
//! diagnostics an author can act on. Nothing here writes to disk except [`synthetic`], which writes a
//! benchmark bank; only [`sync`] (files → PostgreSQL) and [`store`] (what pages read) talk to the
//! database.
//!
//! - [`blueprint`]: `blueprint.toml` → [`Blueprint`]
//! - [`parse`]: one question file → [`parse::QuestionSource`] (structure and line numbers)
//! - [`validate`]: the rules of FORMAT.md, for one file and across an exam
//! - [`similarity`]: near-duplicate stem search that stays fast for 10,000 questions
//! - [`stats`], [`apportion`]: coverage of the bank against what one mock exam draws
//! - [`markdown`]: question Markdown → sanitised HTML

pub mod apportion;
pub mod blueprint;
mod content_hash;
mod diagnostic;
#[cfg(test)]
pub(crate) mod fixtures;
mod load;
pub mod markdown;
pub mod parse;
pub mod similarity;
pub mod stats;
pub mod store;
pub mod sync;
pub mod synthetic;
mod toml_error;
pub mod validate;
pub mod write;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use diagnostic::{Diagnostic, Severity};
pub use load::{load, load_and_report};

/// An exam as `blueprint.toml` describes it: its size, scoring and the domains questions are drawn from.
/// Serde derives are for storing the blueprint as JSON (the database keeps the one attempts use);
/// files are read by `blueprint::parse_blueprint`, which checks them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blueprint {
    pub code: String,
    pub name: String,
    /// How many questions one mock exam draws.
    pub question_count: u32,
    pub duration_minutes: u32,
    /// How many of the questions the real exam leaves unscored (the candidate is not told which); a mock
    /// scores them all, and the instructions page says so.
    #[serde(default)]
    pub unscored_questions: u32,
    /// Extra minutes the real exam grants on request (e.g. to non-native English speakers); 0 offers none.
    #[serde(default)]
    pub extra_time_minutes: u32,
    pub score: ScoreScale,
    pub domains: Vec<Domain>,
}

/// The scaled score range and the passing mark on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreScale {
    pub min: u32,
    pub max: u32,
    pub pass: u32,
    /// The share of correct answers (percent, 1..=99) taken to score exactly `pass`. AWS does not
    /// publish it; the blueprint states the assumption so results pages can estimate a score.
    pub cut_percent: u32,
}

/// A content domain of the exam; `weight` is its percentage of the questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub number: u32,
    pub title: String,
    pub weight: u32,
    pub tasks: Vec<TaskStatement>,
}

/// A task statement of a domain, e.g. `1.2` "Identify and implement a data ingestion solution".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskStatement {
    pub id: String,
    pub title: String,
}

impl Blueprint {
    /// The domain a task statement belongs to.
    pub fn domain_of(&self, task: &str) -> Option<&Domain> {
        self.tasks().find(|(_, t)| t.id == task).map(|(domain, _)| domain)
    }

    pub fn task(&self, id: &str) -> Option<&TaskStatement> {
        self.tasks().find(|(_, t)| t.id == id).map(|(_, task)| task)
    }

    /// `score.cut_percent` as a fraction (0.72 for 72).
    pub fn cut_fraction(&self) -> f64 {
        f64::from(self.score.cut_percent) / 100.0
    }

    /// Every task statement with its domain, in blueprint order.
    pub fn tasks(&self) -> impl Iterator<Item = (&Domain, &TaskStatement)> {
        self.domains.iter().flat_map(|domain| domain.tasks.iter().map(move |task| (domain, task)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    /// The spelling used in question headers (and a stable value for the database).
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }

    pub fn from_header(value: &str) -> Option<Difficulty> {
        Difficulty::ALL.into_iter().find(|d| d.as_str() == value)
    }
}

/// One valid question. Markdown fields are source text; render them with [`markdown::render`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub task: String,
    pub services: Vec<String>,
    pub difficulty: Difficulty,
    pub references: Vec<String>,
    /// Markdown.
    pub stem: String,
    pub options: Vec<AnswerOption>,
    /// Markdown.
    pub explanation: String,
    pub path: PathBuf,
    /// Line of the header start (always 1: the header opens the file).
    pub line: usize,
    /// The file's text exactly as read; like `path`, not part of the content hash.
    pub source: String,
    /// `status = "pilot"` in the header: an unscored question being tried out. A status, not content: not
    /// part of the content hash.
    pub pilot: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerOption {
    /// Markdown.
    pub text: String,
    /// Markdown: why this option is right or wrong in this scenario.
    pub rationale: String,
    pub correct: bool,
}

impl Question {
    /// Two or more correct options: the candidate must pick exactly the correct set.
    pub fn is_multiple_response(&self) -> bool {
        self.correct_count() >= 2
    }

    pub fn correct_count(&self) -> usize {
        self.options.iter().filter(|option| option.correct).count()
    }

    /// Hex SHA-256 of everything but `path`, `line` and `source`, so moving a file keeps the hash and any
    /// edit to what a candidate sees (or to the metadata) changes it.
    pub fn content_hash(&self) -> String {
        content_hash::content_hash(self)
    }
}

/// One exam folder: its blueprint and its valid questions, sorted by file path.
#[derive(Debug, Clone)]
pub struct ExamBank {
    pub dir: PathBuf,
    pub blueprint: Blueprint,
    /// `blueprint.toml` exactly as read (what an export writes back).
    pub blueprint_source: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Default)]
pub struct Bank {
    pub exams: Vec<ExamBank>,
}

/// Parses one question file and applies every rule that needs only the file itself (not the
/// blueprint or the other questions of the exam). Authoring previews can use it directly.
pub fn parse_question(path: &Path, text: &str) -> Result<Question, Vec<Diagnostic>> {
    let source = parse::parse_source(path, text)?;
    let diagnostics = validate::check_question(&source);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    validate::build_question(&source).ok_or(diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blueprint() -> Blueprint {
        let mut bp = fixtures::weighted(&[50, 50], 2, 10);
        bp.domains[1].tasks.truncate(1);
        bp
    }

    #[test]
    fn blueprint_finds_tasks_and_their_domains() {
        let blueprint = blueprint();
        assert_eq!(blueprint.domain_of("1.2").map(|d| d.number), Some(1));
        assert_eq!(blueprint.domain_of("2.1").map(|d| d.number), Some(2));
        assert_eq!(blueprint.domain_of("3.1"), None);
        assert_eq!(blueprint.task("2.1").map(|t| t.title.as_str()), Some("task 2.1"));
        let ids: Vec<_> = blueprint.tasks().map(|(d, t)| (d.number, t.id.as_str())).collect();
        assert_eq!(ids, [(1, "1.1"), (1, "1.2"), (2, "2.1")]);
    }

    #[test]
    fn blueprint_round_trips_through_json() {
        let blueprint = blueprint();
        let json = serde_json::to_value(&blueprint).expect("serialise");
        assert_eq!(json["domains"][0]["tasks"][1]["id"], "1.2");
        let back: Blueprint = serde_json::from_value(json).expect("deserialise");
        assert_eq!(back, blueprint);
    }

    #[test]
    fn difficulty_round_trips_through_its_header_spelling() {
        for difficulty in Difficulty::ALL {
            assert_eq!(Difficulty::from_header(difficulty.as_str()), Some(difficulty));
        }
        assert_eq!(Difficulty::from_header("Medium"), None);
    }

    #[test]
    fn parse_question_accepts_the_format_example() {
        let question = parse_question(Path::new("q.md"), validate::tests::FORMAT_EXAMPLE)
            .unwrap_or_else(|diagnostics| panic!("{diagnostics:?}"));
        assert_eq!(question.id, "firehose-parquet-athena-cost");
        assert_eq!(question.correct_count(), 1);
        assert!(!question.is_multiple_response());
        assert_eq!(question.line, 1);
    }

    #[test]
    fn parse_question_reports_every_problem_of_a_bad_file() {
        let text = validate::tests::FORMAT_EXAMPLE
            .replace("difficulty = \"medium\"", "difficulty = \"tricky\"")
            .replace("  > CSV is still a row format, so Athena scans as many bytes as before, and the function is code to maintain.\n", "");
        let diagnostics = parse_question(Path::new("q.md"), &text).unwrap_err();
        assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    }
}
