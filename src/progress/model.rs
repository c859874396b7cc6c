//! Where a candidate stands, as pure functions: recency-weighted mastery, the readiness model (the chance
//! of passing the real exam now) and the geometry of the scores-over-time chart. Unit tests reach them
//! without a database; the store feeds them the candidate's answers.
//!
//! **Weighting.** An answer `d` days old weighs `0.5^(d / 30)`: a month-old answer counts half, a
//! three-month-old one an eighth, so mastery follows what the candidate knows now.
//!
//! **Readiness.** Per task statement, a Beta posterior of the candidate's rate: a prior worth
//! [`PRIOR_ANSWERS`] answers at the candidate's overall (weighted) rate, plus the weighted answers of that
//! task. A simulated exam draws each task's rate from its posterior, then the blueprint's scored questions
//! of that task (as one mock apportions them) right or wrong at that rate; the chance of passing is the
//! share of [`SIMULATIONS`] exams at or above the cut (`cut_percent`), and the interval is the 10th–90th
//! percentile of the simulated scaled score. Shown only with enough evidence ([`enough_evidence`]).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Binomial, Distribution};

use crate::bank::Blueprint;
use crate::bank::apportion::mock_needs;
use crate::exam::scoring::scale;

pub const HALF_LIFE_DAYS: f64 = 30.0;
/// How many answers the overall rate counts for in each task statement's prior.
pub const PRIOR_ANSWERS: f64 = 6.0;
pub const SIMULATIONS: usize = 4000;
/// Simulations for a row of a cohort table (a figure to compare, not to decide on).
pub const COHORT_SIMULATIONS: usize = 1000;
/// Readiness needs one finished mock or this many answers.
pub const MIN_ANSWERS: usize = 100;
/// Fewer (unweighted) answers than this and a mastery figure is marked "too few to judge".
pub const MIN_TO_JUDGE: usize = 8;

/// One answer: right or wrong, how many days ago.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answer {
    pub correct: bool,
    pub age_days: f64,
}

pub fn weight(age_days: f64) -> f64 {
    0.5f64.powf(age_days.max(0.0) / HALF_LIFE_DAYS)
}

/// Recency-weighted share right of some answers, and how many there are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mastery {
    pub rate: f64,
    pub answers: usize,
    /// The sum of the weights (the answers' "effective" number).
    pub weight: f64,
}

impl Mastery {
    pub fn too_few(&self) -> bool {
        self.answers < MIN_TO_JUDGE
    }

    pub fn percent(&self) -> i64 {
        (self.rate * 100.0).round() as i64
    }
}

pub fn mastery(answers: &[Answer]) -> Mastery {
    let (mut right, mut total) = (0.0, 0.0);
    for a in answers {
        let w = weight(a.age_days);
        total += w;
        if a.correct {
            right += w;
        }
    }
    Mastery { rate: if total > 0.0 { right / total } else { 0.0 }, answers: answers.len(), weight: total }
}

/// What readiness needs before it is shown: a finished mock or [`MIN_ANSWERS`] answers. `Err` says what is
/// missing.
pub fn enough_evidence(finished_mocks: usize, answers: usize) -> Result<(), String> {
    if finished_mocks >= 1 || answers >= MIN_ANSWERS {
        Ok(())
    } else {
        Err(format!(
            "Finish one full mock, or answer {} more question{} in drills or mocks (you have {answers} of {MIN_ANSWERS}).",
            MIN_ANSWERS - answers,
            if MIN_ANSWERS - answers == 1 { "" } else { "s" }
        ))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    /// The chance of passing, 0..1.
    pub pass_probability: f64,
    /// The 10th and 90th percentile of the simulated scaled score.
    pub low: u32,
    pub high: u32,
    pub median: u32,
}

/// The readiness model. `answers[i]` are the answers of the blueprint's i-th task statement (in
/// `Blueprint::tasks` order). Deterministic for a given `seed`.
pub fn readiness(bp: &Blueprint, answers: &[Vec<Answer>], seed: u64) -> Readiness {
    readiness_simulated(bp, answers, seed, SIMULATIONS)
}

/// [`readiness`] with `simulations` simulated exams.
pub fn readiness_simulated(bp: &Blueprint, answers: &[Vec<Answer>], seed: u64, simulations: usize) -> Readiness {
    let all: Vec<Answer> = answers.iter().flatten().copied().collect();
    let overall = mastery(&all);
    let prior = if overall.weight > 0.0 { overall.rate } else { 0.5 };
    let posteriors: Vec<(f64, f64)> = answers
        .iter()
        .map(|task| {
            let (mut right, mut wrong) = (0.0, 0.0);
            for a in task {
                let w = weight(a.age_days);
                if a.correct { right += w } else { wrong += w }
            }
            (PRIOR_ANSWERS * prior + right + 0.5, PRIOR_ANSWERS * (1.0 - prior) + wrong + 0.5)
        })
        .collect();
    let mut scored = bp.clone();
    scored.question_count -= bp.unscored_questions.min(bp.question_count);
    let per_task: Vec<u64> = mock_needs(&scored).per_task.into_iter().flatten().map(u64::from).collect();
    let total: u64 = per_task.iter().sum();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut scores: Vec<u32> = Vec::with_capacity(simulations);
    let mut passes = 0usize;
    let cut = bp.cut_fraction();
    let betas: Vec<Option<rand_distr::Beta<f64>>> =
        posteriors.iter().map(|&(a, b)| rand_distr::Beta::new(a, b).ok()).collect();
    for _ in 0..simulations.max(1) {
        let mut right = 0u64;
        for (beta, &n) in betas.iter().zip(&per_task) {
            if n == 0 {
                continue;
            }
            let p = beta.as_ref().map_or(prior, |d| d.sample(&mut rng)).clamp(0.0, 1.0);
            right += if n <= 16 {
                (0..n).filter(|_| rng.gen_bool(p)).count() as u64
            } else {
                Binomial::new(n, p).map(|d| d.sample(&mut rng)).unwrap_or(0)
            };
        }
        let fraction = right as f64 / total.max(1) as f64;
        if fraction >= cut {
            passes += 1;
        }
        scores.push(scale(fraction, &bp.score, cut));
    }
    scores.sort_unstable();
    let at = |q: f64| scores[((scores.len() - 1) as f64 * q).round() as usize];
    Readiness { pass_probability: passes as f64 / scores.len() as f64, low: at(0.1), high: at(0.9), median: at(0.5) }
}

/// The scores-over-time chart, laid out on the server: one point per finished mock with its likely range,
/// and the pass line.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub points: Vec<ChartPoint>,
    pub pass_y: u32,
    /// Grid lines: (y, label).
    pub ticks: Vec<(u32, u32)>,
    /// The polyline through the points.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    pub x: u32,
    pub y: u32,
    pub low_y: u32,
    pub high_y: u32,
    pub label: String,
}

pub const CHART_WIDTH: u32 = 640;
pub const CHART_HEIGHT: u32 = 240;
const LEFT: u32 = 44;
const RIGHT: u32 = 16;
const TOP: u32 = 12;
const BOTTOM: u32 = 28;

/// `mocks`: (scaled, low, high, label) in date order; the y axis runs from the scale's min to max.
pub fn chart(mocks: &[(u32, u32, u32, String)], min: u32, max: u32, pass: u32) -> Chart {
    let plot_w = CHART_WIDTH - LEFT - RIGHT;
    let plot_h = CHART_HEIGHT - TOP - BOTTOM;
    let y = |v: u32| {
        let f = f64::from(v.clamp(min, max) - min) / f64::from((max - min).max(1));
        TOP + plot_h - (f * f64::from(plot_h)).round() as u32
    };
    let n = mocks.len();
    let x = |i: usize| if n <= 1 { LEFT + plot_w / 2 } else { LEFT + (plot_w as usize * i / (n - 1)) as u32 };
    let points: Vec<ChartPoint> = mocks
        .iter()
        .enumerate()
        .map(|(i, (s, lo, hi, label))| ChartPoint {
            x: x(i),
            y: y(*s),
            low_y: y(*lo),
            high_y: y(*hi),
            label: label.clone(),
        })
        .collect();
    let path = points.iter().map(|p| format!("{},{}", p.x, p.y)).collect::<Vec<_>>().join(" ");
    let step = ((max - min) / 4).max(1);
    let ticks = (0..=4).map(|k| min + k * step).filter(|&v| v <= max).map(|v| (y(v), v)).collect();
    Chart { width: CHART_WIDTH, height: CHART_HEIGHT, points, pass_y: y(pass), ticks, path }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::fixtures::mls_c01;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    #[test]
    fn weights_halve_every_thirty_days() {
        close(weight(0.0), 1.0);
        close(weight(30.0), 0.5);
        close(weight(90.0), 0.125);
        close(weight(-5.0), 1.0);
    }

    #[test]
    fn mastery_is_the_weighted_share_right() {
        // right today (1), wrong 30 days ago (0.5), right 60 days ago (0.25): 1.25 / 1.75
        let answers = [
            Answer { correct: true, age_days: 0.0 },
            Answer { correct: false, age_days: 30.0 },
            Answer { correct: true, age_days: 60.0 },
        ];
        let m = mastery(&answers);
        close(m.rate, 1.25 / 1.75);
        assert_eq!((m.answers, m.percent()), (3, 71));
        assert!(m.too_few());
        assert_eq!(mastery(&[]).rate, 0.0);
    }

    #[test]
    fn evidence_needs_a_mock_or_a_hundred_answers() {
        assert!(enough_evidence(1, 0).is_ok());
        assert!(enough_evidence(0, 100).is_ok());
        let missing = enough_evidence(0, 63).unwrap_err();
        assert!(missing.contains("37 more questions"), "{missing}");
    }

    /// A candidate whose true rate is `rate` on every task, with `per_task` answers in each, of random age
    /// up to 60 days.
    fn simulated(bp: &Blueprint, rate: f64, per_task: usize, rng: &mut StdRng) -> Vec<Vec<Answer>> {
        bp.tasks()
            .map(|_| {
                (0..per_task)
                    .map(|_| Answer { correct: rng.gen_bool(rate), age_days: rng.gen_range(0.0..60.0) })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_strong_candidate_is_very_likely_to_pass_and_a_weak_one_is_not() {
        let bp = mls_c01();
        let mut rng = StdRng::seed_from_u64(11);
        let strong = readiness(&bp, &simulated(&bp, 0.85, 12, &mut rng), 1);
        assert!(strong.pass_probability > 0.9, "{strong:?}");
        assert!(strong.low < strong.median && strong.median < strong.high);
        let weak = readiness(&bp, &simulated(&bp, 0.60, 12, &mut rng), 2);
        assert!(weak.pass_probability < 0.1, "{weak:?}");
    }

    #[test]
    fn the_model_is_calibrated_on_simulated_candidates() {
        // Candidates with true rates spread around the cut, 10 answers per task; each then sits a real
        // exam (its scored questions at its true rate). Among those the model gives about 70 % (60–80 %),
        // between 60 % and 80 % pass.
        let bp = mls_c01();
        let mut rng = StdRng::seed_from_u64(2026);
        let scored = u64::from(bp.question_count - bp.unscored_questions);
        let (mut given, mut passed) = (0, 0);
        for c in 0..1500 {
            let rate = rng.gen_range(0.66..0.82);
            let answers = simulated(&bp, rate, 10, &mut rng);
            let p = readiness_simulated(&bp, &answers, c, 200).pass_probability;
            if (0.6..=0.8).contains(&p) {
                given += 1;
                let right = Binomial::new(scored, rate).unwrap().sample(&mut rng);
                if right as f64 / scored as f64 >= bp.cut_fraction() {
                    passed += 1;
                }
            }
        }
        assert!(given >= 100, "enough candidates given about 70 %: {given}");
        let share = passed as f64 / given as f64;
        assert!((0.6..=0.8).contains(&share), "{passed} of {given} passed ({share:.2})");
    }

    #[test]
    fn chart_points_sit_on_the_scale_with_the_pass_line() {
        let c = chart(&[(100, 100, 200, "a".into()), (1000, 900, 1000, "b".into())], 100, 1000, 750);
        assert_eq!(c.points[0].x, LEFT);
        assert_eq!(c.points[1].x, CHART_WIDTH - RIGHT);
        assert_eq!(c.points[0].y, CHART_HEIGHT - BOTTOM, "the minimum sits on the bottom edge");
        assert_eq!(c.points[1].y, TOP, "the maximum on the top edge");
        // 750 is 650/900 of the way up a 200 px plot: 144 px above the bottom edge.
        assert_eq!(c.pass_y, TOP + 200 - 144);
        assert!(c.points[0].high_y < c.points[0].low_y, "higher scores are higher up");
        assert_eq!(c.path, format!("{},{} {},{}", LEFT, CHART_HEIGHT - BOTTOM, CHART_WIDTH - RIGHT, TOP));
        let one = chart(&[(750, 700, 800, "x".into())], 100, 1000, 750);
        assert_eq!(one.points[0].x, LEFT + (CHART_WIDTH - LEFT - RIGHT) / 2, "a single mock is centred");
        assert_eq!(c.ticks.len(), 5);
    }
}
