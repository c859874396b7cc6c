//! `blueprint.toml`: the exam's size, score scale, domains with their weights, and task statements.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::toml_error::{describe, line_at};
use super::{Blueprint, Diagnostic, Domain, ScoreScale, TaskStatement};

// The file as written, with spans so every rule can name the line to change.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlueprintFile {
    code: String,
    name: String,
    question_count: Spanned<u32>,
    duration_minutes: u32,
    unscored_questions: Option<Spanned<u32>>,
    #[serde(default)]
    extra_time_minutes: u32,
    score: ScoreFile,
    domains: Option<Spanned<Vec<DomainFile>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoreFile {
    min: Spanned<u32>,
    max: u32,
    pass: Spanned<u32>,
    cut_percent: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainFile {
    number: Spanned<u32>,
    title: String,
    weight: Spanned<u32>,
    tasks: Spanned<Vec<TaskFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskFile {
    id: Spanned<String>,
    title: String,
}

/// Parses and checks a blueprint; on failure returns every problem, each on its line of `path`.
pub fn parse_blueprint(path: &Path, text: &str) -> Result<Blueprint, Vec<Diagnostic>> {
    let file: BlueprintFile = toml::from_str(text).map_err(|error| {
        let (line, message) = describe(&error, text);
        vec![Diagnostic::error(path, line, format!("blueprint is not valid: {message}"))]
    })?;
    let line = |span: std::ops::Range<usize>| line_at(text, span.start);
    let problems = check(&file, &line);
    if !problems.is_empty() {
        return Err(problems.into_iter().map(|(line, message)| Diagnostic::error(path, line, message)).collect());
    }
    Ok(into_blueprint(file))
}

fn check(file: &BlueprintFile, line: &dyn Fn(std::ops::Range<usize>) -> usize) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    if *file.question_count.get_ref() == 0 {
        problems.push((line(file.question_count.span()), "question_count must be at least 1".to_string()));
    }
    if let Some(unscored) = &file.unscored_questions
        && *unscored.get_ref() >= *file.question_count.get_ref()
    {
        problems.push((line(unscored.span()), "unscored_questions must be fewer than question_count".to_string()));
    }
    let score = &file.score;
    let (min, max, pass) = (*score.min.get_ref(), score.max, *score.pass.get_ref());
    if min >= max {
        problems.push((line(score.min.span()), format!("score min {min} must be below max {max}")));
    } else if !(min..=max).contains(&pass) {
        problems.push((line(score.pass.span()), format!("pass mark {pass} is outside the score range {min}..{max}")));
    }
    let cut = *score.cut_percent.get_ref();
    if !(1..=99).contains(&cut) {
        problems.push((
            line(score.cut_percent.span()),
            format!(
                "cut_percent {cut} must be between 1 and 99: the share of correct answers taken to score the pass mark"
            ),
        ));
    }

    let domains = match &file.domains {
        Some(domains) if !domains.get_ref().is_empty() => domains.get_ref(),
        other => {
            let at = other.as_ref().map_or(1, |domains| line(domains.span()));
            let message = "the blueprint has no domains: add [[domains]] tables with number, title, weight and tasks";
            problems.push((at, message.to_string()));
            return problems;
        }
    };
    let total: u32 = domains.iter().map(|d| *d.weight.get_ref()).sum();
    if total != 100 {
        let weights: Vec<String> = domains.iter().map(|d| d.weight.get_ref().to_string()).collect();
        let message = format!("domain weights add up to {total} ({}), not 100", weights.join(" + "));
        problems.push((line(domains[0].weight.span()), message));
    }

    let mut numbers = HashMap::new();
    let mut task_ids = HashMap::new();
    for domain in domains {
        let number = *domain.number.get_ref();
        let at = line(domain.number.span());
        if let Some(first) = numbers.insert(number, at) {
            problems.push((at, format!("domain number {number} is used twice (first on line {first})")));
        }
        if domain.tasks.get_ref().is_empty() {
            let message = format!(
                "domain {number} has no task statements: questions are filed under task statements, so add at least one"
            );
            problems.push((line(domain.tasks.span()), message));
        }
        for task in domain.tasks.get_ref() {
            let id = task.id.get_ref().trim();
            let at = line(task.id.span());
            if id.is_empty() {
                problems.push((at, "a task statement has an empty id".to_string()));
            } else if let Some(first) = task_ids.insert(id.to_string(), at) {
                problems.push((at, format!("task statement \"{id}\" is listed twice (first on line {first})")));
            }
        }
    }
    problems
}

fn into_blueprint(file: BlueprintFile) -> Blueprint {
    let domains = file.domains.map(Spanned::into_inner).unwrap_or_default();
    Blueprint {
        code: file.code,
        name: file.name,
        question_count: file.question_count.into_inner(),
        duration_minutes: file.duration_minutes,
        unscored_questions: file.unscored_questions.map_or(0, Spanned::into_inner),
        extra_time_minutes: file.extra_time_minutes,
        score: ScoreScale {
            min: file.score.min.into_inner(),
            max: file.score.max,
            pass: file.score.pass.into_inner(),
            cut_percent: file.score.cut_percent.into_inner(),
        },
        domains: domains
            .into_iter()
            .map(|domain| Domain {
                number: domain.number.into_inner(),
                title: domain.title,
                weight: domain.weight.into_inner(),
                tasks: domain
                    .tasks
                    .into_inner()
                    .into_iter()
                    .map(|task| TaskStatement { id: task.id.into_inner().trim().to_string(), title: task.title })
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The MLS-C01 blueprint as the bank ships it.
    pub(crate) use crate::bank::fixtures::MLS_C01;

    fn errors(text: &str) -> Vec<String> {
        match parse_blueprint(Path::new("blueprint.toml"), text) {
            Ok(_) => vec![],
            Err(diagnostics) => diagnostics.iter().map(ToString::to_string).collect(),
        }
    }

    /// A small valid blueprint; domain 1 starts on line 10, domain 2 on line 18.
    const SMALL: &str = r#"code = "T-01"
name = "Test exam"
question_count = 10
duration_minutes = 30
[score]
min = 100
max = 1000
pass = 700
cut_percent = 72
[[domains]]
number = 1
title = "One"
weight = 40
tasks = [
  { id = "1.1", title = "First" },
  { id = "1.2", title = "Second" },
]
[[domains]]
number = 2
title = "Two"
weight = 60
tasks = [{ id = "2.1", title = "Third" }]
"#;

    #[test]
    fn parses_the_mls_c01_blueprint() {
        let blueprint = parse_blueprint(Path::new("blueprint.toml"), MLS_C01).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(blueprint.code, "MLS-C01");
        assert_eq!(blueprint.question_count, 65);
        assert_eq!(blueprint.score, ScoreScale { min: 100, max: 1000, pass: 750, cut_percent: 72 });
        let weights: Vec<u32> = blueprint.domains.iter().map(|d| d.weight).collect();
        assert_eq!(weights, [20, 24, 36, 20]);
        assert_eq!(blueprint.tasks().count(), 15);
        assert_eq!(blueprint.domain_of("3.4").map(|d| d.number), Some(3));
    }

    #[test]
    fn accepts_a_small_valid_blueprint() {
        assert_eq!(errors(SMALL), Vec::<String>::new());
    }

    #[test]
    fn unparsable_toml_points_at_its_line() {
        let text = SMALL.replace("pass = 700", "pass = ");
        let found = errors(&text);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("blueprint.toml:8: blueprint is not valid: "), "{found:?}");
    }

    #[test]
    fn unknown_key_is_an_error_on_its_line() {
        let text = SMALL.replace("title = \"Two\"", "titel = \"Two\"");
        let found = errors(&text);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("blueprint.toml:20: blueprint is not valid: unknown field `titel`"), "{found:?}");
    }

    #[test]
    fn weights_must_add_up_to_100() {
        let text = SMALL.replace("weight = 60", "weight = 58");
        assert_eq!(errors(&text), ["blueprint.toml:13: domain weights add up to 98 (40 + 58), not 100"]);
    }

    #[test]
    fn duplicate_task_ids_are_errors() {
        let text = SMALL.replace("\"2.1\"", "\"1.2\"");
        assert_eq!(errors(&text), ["blueprint.toml:22: task statement \"1.2\" is listed twice (first on line 16)"]);
    }

    #[test]
    fn duplicate_domain_numbers_are_errors() {
        let text = SMALL.replace("number = 2", "number = 1");
        assert_eq!(errors(&text), ["blueprint.toml:19: domain number 1 is used twice (first on line 11)"]);
    }

    #[test]
    fn pass_mark_must_be_inside_the_score_range() {
        let text = SMALL.replace("pass = 700", "pass = 1200");
        assert_eq!(errors(&text), ["blueprint.toml:8: pass mark 1200 is outside the score range 100..1000"]);
        let text = SMALL.replace("min = 100", "min = 1000");
        assert_eq!(errors(&text), ["blueprint.toml:6: score min 1000 must be below max 1000"]);
    }

    #[test]
    fn a_blueprint_needs_domains() {
        let without: String = SMALL.lines().take(9).map(|l| format!("{l}\n")).collect();
        let message = "the blueprint has no domains: add [[domains]] tables with number, title, weight and tasks";
        assert_eq!(errors(&without), [format!("blueprint.toml:1: {message}")]);
        let empty = without.replace("[score]", "domains = []\n[score]");
        assert_eq!(errors(&empty), [format!("blueprint.toml:5: {message}")]);
    }

    #[test]
    fn a_domain_needs_task_statements() {
        let text = SMALL.replace("tasks = [{ id = \"2.1\", title = \"Third\" }]", "tasks = []");
        let message = "domain 2 has no task statements: questions are filed under task statements, so add at least one";
        assert_eq!(errors(&text), [format!("blueprint.toml:22: {message}")]);
    }

    #[test]
    fn cut_percent_must_be_a_share_between_1_and_99() {
        let text = SMALL.replace("cut_percent = 72", "cut_percent = 100");
        let message =
            "cut_percent 100 must be between 1 and 99: the share of correct answers taken to score the pass mark";
        assert_eq!(errors(&text), [format!("blueprint.toml:9: {message}")]);
    }

    #[test]
    fn question_count_must_be_positive() {
        let text = SMALL.replace("question_count = 10", "question_count = 0");
        assert_eq!(errors(&text), ["blueprint.toml:3: question_count must be at least 1"]);
    }
}
