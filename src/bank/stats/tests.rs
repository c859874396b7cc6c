use std::path::PathBuf;

use super::*;
use crate::bank::{AnswerOption, Question};

use crate::bank::fixtures::mls_c01;

fn question(task: &str, keys: &[usize], options: usize, difficulty: Difficulty) -> Question {
    Question {
        id: format!("q-{task}"),
        task: task.into(),
        services: vec![],
        difficulty,
        references: vec![],
        stem: "Which?".into(),
        options: (0..options)
            .map(|i| AnswerOption { text: format!("option {i}"), rationale: "why".into(), correct: keys.contains(&i) })
            .collect(),
        explanation: "Because.".into(),
        path: PathBuf::from("q.md"),
        line: 1,
        source: String::new(),
        pilot: false,
    }
}

#[test]
fn a_mock_needs_13_16_23_13_and_spreads_them_over_tasks() {
    let needs = mock_needs(&mls_c01());
    assert_eq!(needs.per_domain, [13, 16, 23, 13]);
    assert_eq!(needs.per_task, [vec![5, 4, 4], vec![6, 5, 5], vec![5, 5, 5, 4, 4], vec![4, 3, 3, 3]]);
}

#[test]
fn the_table_shows_coverage_shortfalls_keys_and_difficulty() {
    let mut questions: Vec<Question> = (0..6).map(|_| question("1.1", &[1], 4, Difficulty::Medium)).collect();
    questions.push(question("3.2", &[0], 4, Difficulty::Easy));
    questions.push(question("3.2", &[0, 4, 6], 7, Difficulty::Hard));
    let exam =
        ExamBank { dir: PathBuf::from("mls-c01"), blueprint: mls_c01(), blueprint_source: String::new(), questions };
    let table = stats_table(&exam);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "MLS-C01 AWS Certified Machine Learning – Specialty: 8 questions in the bank; one mock draws 65."
    );
    let line = |start: &str| lines.iter().find(|l| l.starts_with(start)).copied().unwrap_or_default();
    let columns = |start: &str| line(start).split("  ").filter(|c| !c.is_empty()).map(str::trim).collect::<Vec<_>>();
    assert_eq!(columns("Domain / task statement"), ["Domain / task statement", "bank", "mock"]);
    assert_eq!(columns("1 Data Engineering"), ["1 Data Engineering (20%)", "6", "13", "short by 7"]);
    assert_eq!(columns("  1.1 "), ["1.1 Create data repositories for ML", "6", "5"]);
    assert_eq!(columns("  1.2 "), ["1.2 Identify and implement a data ingestion solution", "0", "4", "short by 4"]);
    assert_eq!(columns("Total"), ["Total", "8", "65", "short by 57"]);
    assert!(line("  4.1 ").contains("Build ML solutions for performance, availability, scala…"), "{table}");
    assert_eq!(line("Multiple response:"), "Multiple response: 1 of 8 questions (13%)");
    assert_eq!(columns("Correct answers"), ["Correct answers by option position", "1", "2", "3", "4", "5", "6", "7+"]);
    assert_eq!(columns("  multiple choice"), ["multiple choice (7 questions)", "1", "6", "0", "0", "0", "0", "0"]);
    assert_eq!(columns("  multiple response"), ["multiple response (1 question)", "1", "0", "0", "0", "1", "0", "1"]);
    assert_eq!(line("Difficulty:"), "Difficulty: easy 1, medium 6, hard 1");
}

#[test]
fn an_empty_bank_reports_zeros_without_dividing_by_zero() {
    let exam =
        ExamBank { dir: PathBuf::from("x"), blueprint: mls_c01(), blueprint_source: String::new(), questions: vec![] };
    let table = stats_table(&exam);
    assert!(table.contains("Multiple response: 0 of 0 questions (0%)"), "{table}");
}
