//! Blueprints for unit tests, in one place: the shipped MLS-C01 blueprint (as text and parsed) and a
//! small synthetic one built from weights.

use std::path::Path;

use super::blueprint::parse_blueprint;
use super::{Blueprint, Domain, ScoreScale, TaskStatement};

/// The MLS-C01 blueprint file as the bank ships it.
pub(crate) const MLS_C01: &str = include_str!("../../question-bank/mls-c01/blueprint.toml");

/// The shipped MLS-C01 blueprint, parsed.
pub(crate) fn mls_c01() -> Blueprint {
    parse_blueprint(Path::new("blueprint.toml"), MLS_C01).unwrap_or_else(|d| panic!("{d:?}"))
}

/// An exam of `count` questions with one domain per weight, each with `tasks_per_domain` task
/// statements named `d.t` and titled "task d.t".
pub(crate) fn weighted(weights: &[u32], tasks_per_domain: usize, count: u32) -> Blueprint {
    Blueprint {
        code: "TEST".into(),
        name: "Test exam".into(),
        question_count: count,
        duration_minutes: 180,
        unscored_questions: 0,
        extra_time_minutes: 0,
        score: ScoreScale { min: 100, max: 1000, pass: 750, cut_percent: 72 },
        domains: weights
            .iter()
            .enumerate()
            .map(|(d, &w)| Domain {
                number: d as u32 + 1,
                title: format!("Domain {}", d + 1),
                weight: w,
                tasks: (0..tasks_per_domain)
                    .map(|t| TaskStatement {
                        id: format!("{}.{}", d + 1, t + 1),
                        title: format!("task {}.{}", d + 1, t + 1),
                    })
                    .collect(),
            })
            .collect(),
    }
}
