//! Choosing the questions of a mock exam. Pure: the caller supplies the candidate pool (with when the
//! candidate last saw each question) and a random source; nothing here touches the database.
//!
//! 1. The exam's question count is apportioned over the domains by their weights (largest remainder:
//!    13/16/23/13 for MLS-C01), and each domain's share over its task statements in equal proportion.
//!    A task statement with too few questions gives its shortfall to the domain's other tasks.
//! 2. Within a task statement, questions never seen in an earlier mock come first; then the least
//!    recently seen. Ties are broken at random, so two fresh candidates get different exams.
//! 3. The chosen questions are shuffled into one order, and each question's options are shuffled.

use rand::Rng;
use rand::seq::SliceRandom;

use crate::bank::Blueprint;
use crate::bank::apportion::{apportion, mock_needs};

/// A question that may go into the exam.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub version_id: i64,
    pub task: String,
    pub option_count: usize,
    /// When this candidate last had the question in a mock (None: never).
    pub last_seen: Option<time::OffsetDateTime>,
}

/// One question of an assembled exam or drill: the version and the order its options are shown in
/// (`option_order[k]` = file index of the option shown k-th).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub version_id: i64,
    pub option_order: Vec<i32>,
    /// False for an unscored pilot question.
    pub scored: bool,
}

/// Picks as the three columns a bulk insert of exam or drill items takes: positions from 1, version ids,
/// and each option order as a JSON array (Postgres has no ragged arrays; SQL casts it back).
pub struct PickColumns {
    pub positions: Vec<i32>,
    pub versions: Vec<i64>,
    pub orders: Vec<String>,
    pub scored: Vec<bool>,
}

impl PickColumns {
    pub fn of(picks: &[Pick]) -> Self {
        PickColumns {
            positions: (1..=picks.len() as i32).collect(),
            versions: picks.iter().map(|p| p.version_id).collect(),
            orders: picks.iter().map(|p| serde_json::to_string(&p.option_order).expect("ints")).collect(),
            scored: picks.iter().map(|p| p.scored).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "The question bank is too small for a full {exam} mock exam: domain {domain} ({title}) has {available} \
     question(s) and a mock needs {needed}. Ask an instructor to add questions."
)]
pub struct TooSmall {
    pub exam: String,
    pub domain: u32,
    pub title: String,
    pub available: usize,
    pub needed: u32,
}

/// Spreads `needed` over tasks with `available[i]` questions each: in equal proportion, then moving
/// any shortfall to the tasks that still have questions (most spare first). `None` if too few overall.
pub fn task_counts(needed: u32, available: &[usize]) -> Option<Vec<u32>> {
    if available.iter().sum::<usize>() < needed as usize {
        return None;
    }
    let mut counts = apportion(needed, &vec![1; available.len()]);
    let mut shortfall = 0;
    for (c, &a) in counts.iter_mut().zip(available) {
        if *c as usize > a {
            shortfall += *c - a as u32;
            *c = a as u32;
        }
    }
    while shortfall > 0 {
        let (i, _) = counts
            .iter()
            .zip(available)
            .enumerate()
            .filter(|(_, (c, a))| (**c as usize) < **a)
            .max_by_key(|(i, (c, a))| (**a - **c as usize, std::cmp::Reverse(*i)))?;
        counts[i] += 1;
        shortfall -= 1;
    }
    Some(counts)
}

/// A mock of scored questions only (no pilots).
pub fn assemble(blueprint: &Blueprint, pool: &[Candidate], rng: &mut impl Rng) -> Result<Vec<Pick>, TooSmall> {
    assemble_with_pilots(blueprint, pool, &[], rng)
}

/// A mock as the real exam is built: the blueprint's `unscored_questions` are pilots (drawn from `pilots`,
/// unseen first), mixed in unmarked; the rest are scored questions drawn by the domain weights. With too few
/// pilots, scored questions fill the gap, so the count stays the blueprint's.
pub fn assemble_with_pilots(
    blueprint: &Blueprint,
    pool: &[Candidate],
    pilots: &[Candidate],
    rng: &mut impl Rng,
) -> Result<Vec<Pick>, TooSmall> {
    let unscored = (blueprint.unscored_questions as usize).min(pilots.len()).min(blueprint.question_count as usize);
    let mut scored_bp = blueprint.clone();
    scored_bp.question_count -= unscored as u32;
    let mut chosen: Vec<(&Candidate, bool)> = Vec::with_capacity(blueprint.question_count as usize);
    for (domain, needed) in scored_bp.domains.iter().zip(mock_needs(&scored_bp).per_domain) {
        let by_task: Vec<Vec<&Candidate>> =
            domain.tasks.iter().map(|t| pool.iter().filter(|c| c.task == t.id).collect()).collect();
        let available: Vec<usize> = by_task.iter().map(Vec::len).collect();
        let counts = task_counts(needed, &available).ok_or_else(|| TooSmall {
            exam: blueprint.code.clone(),
            domain: domain.number,
            title: domain.title.clone(),
            available: available.iter().sum(),
            needed,
        })?;
        for (questions, count) in by_task.into_iter().zip(counts) {
            chosen.extend(least_seen(questions, count as usize, rng).into_iter().map(|c| (c, true)));
        }
    }
    chosen.extend(least_seen(pilots.iter().collect(), unscored, rng).into_iter().map(|c| (c, false)));
    chosen.shuffle(rng);
    Ok(chosen
        .into_iter()
        .map(|(c, scored)| {
            let mut order: Vec<i32> = (0..c.option_count as i32).collect();
            order.shuffle(rng);
            Pick { version_id: c.version_id, option_order: order, scored }
        })
        .collect())
}

/// `count` of `questions`: unseen first, then the least recently seen; random within ties.
fn least_seen<'a>(mut questions: Vec<&'a Candidate>, count: usize, rng: &mut impl Rng) -> Vec<&'a Candidate> {
    questions.shuffle(rng);
    // Stable sort after the shuffle keeps ties random.
    questions.sort_by_key(|c| c.last_seen.map(|t| (1, t)).unwrap_or((0, time::OffsetDateTime::UNIX_EPOCH)));
    questions.truncate(count);
    questions
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::collections::HashMap;

    use crate::bank::fixtures::weighted as blueprint;

    fn pool(bp: &Blueprint, per_task: usize) -> Vec<Candidate> {
        let mut id = 0;
        let mut out = vec![];
        for (_, t) in bp.tasks() {
            for _ in 0..per_task {
                id += 1;
                out.push(Candidate { version_id: id, task: t.id.clone(), option_count: 4, last_seen: None });
            }
        }
        out
    }

    fn per_domain(bp: &Blueprint, pool: &[Candidate], picks: &[Pick]) -> Vec<u32> {
        let task_of: HashMap<i64, &str> = pool.iter().map(|c| (c.version_id, c.task.as_str())).collect();
        bp.domains
            .iter()
            .map(|d| {
                picks.iter().filter(|p| bp.domain_of(task_of[&p.version_id]).unwrap().number == d.number).count() as u32
            })
            .collect()
    }

    #[test]
    fn mls_c01_weights_give_13_16_23_13() {
        let bp = blueprint(&[20, 24, 36, 20], 3, 65);
        assert_eq!(mock_needs(&bp).per_domain, vec![13, 16, 23, 13]);
        let pool = pool(&bp, 30);
        let picks = assemble(&bp, &pool, &mut StdRng::seed_from_u64(1)).unwrap();
        assert_eq!(picks.len(), 65);
        assert_eq!(per_domain(&bp, &pool, &picks), vec![13, 16, 23, 13]);
        let mut ids: Vec<i64> = picks.iter().map(|p| p.version_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 65, "no question twice");
    }

    #[test]
    fn odd_weights_still_fill_the_exam() {
        let bp = blueprint(&[1, 1, 1], 2, 10);
        assert_eq!(mock_needs(&bp).per_domain.iter().sum::<u32>(), 10);
        let pool = pool(&bp, 5);
        assert_eq!(assemble(&bp, &pool, &mut StdRng::seed_from_u64(2)).unwrap().len(), 10);
    }

    #[test]
    fn spreads_a_domain_over_its_tasks_and_moves_shortfalls() {
        assert_eq!(task_counts(23, &[30, 30, 30, 30, 30]), Some(vec![5, 5, 5, 4, 4]));
        assert_eq!(task_counts(13, &[2, 30, 30]), Some(vec![2, 6, 5]));
        assert_eq!(task_counts(13, &[2, 3, 4]), None);
        assert_eq!(task_counts(0, &[0, 0]), Some(vec![0, 0]));
    }

    #[test]
    fn too_small_a_bank_is_refused_with_a_clear_message() {
        let bp = blueprint(&[20, 24, 36, 20], 3, 65);
        let mut pool = pool(&bp, 30);
        pool.retain(|c| !c.task.starts_with("3.") || c.version_id % 5 == 0); // 18 left in domain 3
        let err = assemble(&bp, &pool, &mut StdRng::seed_from_u64(3)).unwrap_err();
        assert_eq!((err.domain, err.available, err.needed), (3, 18, 23));
        assert!(err.to_string().contains("too small"), "{err}");
    }

    #[test]
    fn unseen_questions_come_first_then_the_least_recently_seen() {
        let bp = blueprint(&[100], 1, 4);
        let t = |secs| Some(time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(secs));
        let mk = |id, seen| Candidate { version_id: id, task: "1.1".into(), option_count: 4, last_seen: seen };
        let pool = vec![mk(1, t(100)), mk(2, None), mk(3, t(50)), mk(4, t(300)), mk(5, None), mk(6, t(200))];
        for seed in 0..20 {
            let mut ids: Vec<i64> =
                assemble(&bp, &pool, &mut StdRng::seed_from_u64(seed)).unwrap().iter().map(|p| p.version_id).collect();
            ids.sort();
            assert_eq!(ids, vec![1, 2, 3, 5], "seed {seed}");
        }
    }

    #[test]
    fn pilots_fill_the_unscored_slots_and_scored_questions_fill_a_shortfall() {
        let mut bp = blueprint(&[20, 24, 36, 20], 3, 65);
        bp.unscored_questions = 15;
        let scored_pool = pool(&bp, 30);
        let pilots: Vec<Candidate> = (0..40)
            .map(|i| Candidate { version_id: 10_000 + i, task: "1.1".into(), option_count: 4, last_seen: None })
            .collect();
        let picks = assemble_with_pilots(&bp, &scored_pool, &pilots, &mut StdRng::seed_from_u64(5)).unwrap();
        assert_eq!(picks.len(), 65);
        assert_eq!(picks.iter().filter(|p| !p.scored).count(), 15);
        assert!(picks.iter().filter(|p| !p.scored).all(|p| p.version_id >= 10_000), "only pilots are unscored");
        let scored: Vec<Pick> = picks.iter().filter(|p| p.scored).cloned().collect();
        // 50 scored by the weights: 10/12/18/10.
        assert_eq!(per_domain(&bp, &scored_pool, &scored), vec![10, 12, 18, 10]);
        assert!(picks.iter().take(20).any(|p| !p.scored), "mixed in, not at the end");

        let few = assemble_with_pilots(&bp, &scored_pool, &pilots[..3], &mut StdRng::seed_from_u64(6)).unwrap();
        assert_eq!((few.len(), few.iter().filter(|p| !p.scored).count()), (65, 3), "too few pilots: 62 scored");
        bp.unscored_questions = 0;
        let none = assemble_with_pilots(&bp, &scored_pool, &pilots, &mut StdRng::seed_from_u64(7)).unwrap();
        assert!(none.iter().all(|p| p.scored), "0 unscored allowed");
    }

    #[test]
    fn options_are_shuffled_permutations() {
        let bp = blueprint(&[100], 1, 20);
        let pool = pool(&bp, 20);
        let picks = assemble(&bp, &pool, &mut StdRng::seed_from_u64(4)).unwrap();
        for p in &picks {
            let mut o = p.option_order.clone();
            o.sort();
            assert_eq!(o, vec![0, 1, 2, 3]);
        }
        assert!(picks.iter().any(|p| p.option_order != vec![0, 1, 2, 3]), "some order changes");
    }
}
