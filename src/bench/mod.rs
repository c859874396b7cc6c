//! Benchmarks: commands that print figures next to a baseline measured in the same run (not tests).
//!
//! - [`bank`]: loading and checking a large generated bank.
//! - [`load`]: candidates taking mocks against the running app, beside a bare axum + sqlx + askama baseline.
//! - [`analysis`]: item analysis of 10,000 seeded mocks, beside loading the same rows bare.
//! - [`progress`]: the progress page (50 mocks, 5,000 drill answers) and a 200-member cohort page, beside `/healthz`.

pub mod analysis;
pub mod load;
pub mod progress;

// `mockexam bench bank`: how long loading and checking a large bank takes (a benchmark, not a test).
// Generates a synthetic bank of N questions with the shipped MLS-C01 blueprint in a temporary folder,
// then times `bank::load` (parse + every validation rule + near-duplicate scan) over five runs.

use std::process::ExitCode;
use std::time::Instant;

const BLUEPRINT: &str = include_str!("../../question-bank/mls-c01/blueprint.toml");

pub fn bank(questions: usize) -> anyhow::Result<ExitCode> {
    let dir = std::env::temp_dir().join(format!("mockexam-bench-{}", std::process::id()));
    let exam_dir = dir.join("bench");
    crate::bank::synthetic::generate_synthetic_bank(&exam_dir, BLUEPRINT, questions)?;
    let mut times = vec![];
    for _ in 0..5 {
        let start = Instant::now();
        let (bank, diagnostics) = crate::bank::load(&dir);
        times.push(start.elapsed());
        let loaded: usize = bank.exams.iter().map(|e| e.questions.len()).sum();
        anyhow::ensure!(
            loaded == questions,
            "expected {questions} questions, loaded {loaded}: {:?}",
            diagnostics.first()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    times.sort();
    println!("bench bank: {questions} questions, load + check over 5 runs");
    println!("  min    {:>8.1} ms", times[0].as_secs_f64() * 1e3);
    println!("  median {:>8.1} ms", times[2].as_secs_f64() * 1e3);
    println!("  max    {:>8.1} ms", times[4].as_secs_f64() * 1e3);
    println!("  target < 1000 ms: {}", if times[2].as_secs_f64() < 1.0 { "met" } else { "NOT met" });
    Ok(ExitCode::SUCCESS)
}
