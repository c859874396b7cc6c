//! How well a bank covers its exam: questions per domain and task statement against what one full
//! mock draws, the share of multiple-response questions, where the keys sit, and difficulty.

use std::fmt::Write;

use super::apportion::mock_needs;
use super::{Blueprint, Difficulty, ExamBank, Question};
use crate::format::{count_of, percent};

/// Task titles are cut to this many characters so the table stays readable in a terminal.
const TITLE_WIDTH: usize = 56;
/// Option positions shown one per column; later positions are added up in one more column.
const POSITIONS: usize = 6;

/// A plain-text report of the exam's bank; rows where the bank has fewer questions than one mock
/// needs are marked "short by N".
pub fn stats_table(exam: &ExamBank) -> String {
    let blueprint = &exam.blueprint;
    let questions = &exam.questions;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}: {} in the bank; one mock draws {}.\n",
        blueprint.code,
        blueprint.name,
        count_of(questions.len(), "question"),
        blueprint.question_count
    );
    out.push_str(&coverage(blueprint, questions));

    let multiple_response = questions.iter().filter(|q| q.is_multiple_response()).count();
    let _ = writeln!(
        out,
        "\nMultiple response: {multiple_response} of {} ({}%)\n",
        count_of(questions.len(), "question"),
        percent(multiple_response as i64, questions.len() as i64)
    );
    out.push_str(&key_positions(questions));
    out.push_str(&key_lengths(questions));

    let difficulties: Vec<String> = Difficulty::ALL
        .iter()
        .map(|&d| format!("{} {}", d.as_str(), questions.iter().filter(|q| q.difficulty == d).count()))
        .collect();
    let _ = writeln!(out, "\nDifficulty: {}", difficulties.join(", "));
    out
}

fn coverage(blueprint: &Blueprint, questions: &[Question]) -> String {
    let needs = mock_needs(blueprint);
    let count = |task: &str| questions.iter().filter(|q| q.task == task).count() as u32;
    let mut rows = vec![row(["Domain / task statement", "bank", "mock", ""])];
    for ((domain, &domain_need), task_needs) in blueprint.domains.iter().zip(&needs.per_domain).zip(&needs.per_task) {
        let have: u32 = domain.tasks.iter().map(|task| count(&task.id)).sum();
        let label = format!("{} {} ({}%)", domain.number, shorten(&domain.title), domain.weight);
        rows.push(row([&label, &have.to_string(), &domain_need.to_string(), &shortfall(have, domain_need)]));
        for (task, &need) in domain.tasks.iter().zip(task_needs) {
            let have = count(&task.id);
            let label = format!("  {} {}", task.id, shorten(&task.title));
            rows.push(row([&label, &have.to_string(), &need.to_string(), &shortfall(have, need)]));
        }
    }
    let total = questions.len() as u32;
    let need = blueprint.question_count;
    rows.push(row(["Total", &total.to_string(), &need.to_string(), &shortfall(total, need)]));
    table(&rows)
}

/// How often the key is option 1, 2, ...: a bank whose keys cluster on one position teaches
/// test-takers to guess it. Multiple choice and multiple response are counted apart.
fn key_positions(questions: &[Question]) -> String {
    let mut header = vec!["Correct answers by option position".to_string()];
    header.extend((1..=POSITIONS).map(|p| p.to_string()));
    header.push(format!("{}+", POSITIONS + 1));
    let mut rows = vec![header];
    for (label, multiple_response) in [("multiple choice", false), ("multiple response", true)] {
        let group: Vec<&Question> =
            questions.iter().filter(|q| q.is_multiple_response() == multiple_response).collect();
        let mut counts = [0usize; POSITIONS + 1];
        for question in &group {
            for (index, _) in question.options.iter().enumerate().filter(|(_, o)| o.correct) {
                counts[index.min(POSITIONS)] += 1;
            }
        }
        let mut cells = vec![format!("  {label} ({})", count_of(group.len(), "question"))];
        cells.extend(counts.iter().map(ToString::to_string));
        rows.push(cells);
    }
    table(&rows)
}

/// In single-answer questions: how often the key is the longest option and how often the shortest (ties
/// count for both). With options of comparable length each should be near one in four; a bank whose keys
/// are rarely (or mostly) the longest teaches "pick by length".
pub fn key_length_shares(questions: &[Question]) -> (usize, usize, usize) {
    let length = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ").chars().count();
    let (mut single, mut longest, mut shortest) = (0, 0, 0);
    for q in questions.iter().filter(|q| !q.is_multiple_response()) {
        let Some(key) = q.options.iter().find(|o| o.correct) else { continue };
        let lengths: Vec<usize> = q.options.iter().map(|o| length(&o.text)).collect();
        let own = length(&key.text);
        single += 1;
        longest += usize::from(lengths.iter().all(|&l| l <= own));
        shortest += usize::from(lengths.iter().all(|&l| l >= own));
    }
    (single, longest, shortest)
}

fn key_lengths(questions: &[Question]) -> String {
    let (single, longest, shortest) = key_length_shares(questions);
    let share = |n: usize| percent(n as i64, single as i64);
    format!(
        "\nKey length (multiple choice, {}): the longest option in {longest} ({}%), the shortest in {shortest} \
         ({}%); aim for 20-30% each\n",
        count_of(single, "question"),
        share(longest),
        share(shortest)
    )
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|cell| cell.to_string()).collect()
}

fn shortfall(have: u32, need: u32) -> String {
    if have < need { format!("short by {}", need - have) } else { String::new() }
}

fn shorten(title: &str) -> String {
    if title.chars().count() <= TITLE_WIDTH {
        return title.to_string();
    }
    let cut: String = title.chars().take(TITLE_WIDTH - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Lays rows out in columns: the first row is the header; numbers and headings right-aligned,
/// labels and remarks ("short by 2") left-aligned; trailing spaces trimmed.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |c: usize| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns).map(width).collect();
    let mut out = String::new();
    for (r, cells) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in cells.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let numeric = cell.chars().all(|ch| ch.is_ascii_digit());
            if c > 0 && (numeric || r == 0) {
                let _ = write!(line, "{cell:>width$}", width = widths[c]);
            } else {
                let _ = write!(line, "{cell:<width$}", width = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
