//! Turning a raw score into the scaled-score estimate shown on results pages. Pure functions.
//!
//! AWS does not publish how raw scores map to the 100–1000 scale (forms are equated and the cut score
//! is set by a modified Angoff study), so any number we show is an **estimate**, computed like this:
//!
//! 1. p = questions right / scored questions in the attempt (unanswered count as wrong; unscored pilot
//!    questions, as the blueprint's `unscored_questions`, count for nothing).
//! 2. The blueprint's `cut_percent` (72% for MLS-C01, an assumption) is the share of correct answers
//!    taken to sit exactly at the pass mark.
//! 3. The scale is piecewise linear through three points: 0% → min (100), cut → pass (750),
//!    100% → max (1000).
//! 4. The likely range applies the same mapping to p ± 1.96 standard errors (binomial), because one
//!    mock is a small sample of what the candidate knows.

use crate::bank::ScoreScale;

/// Map a fraction correct (0..=1) to the scale, through (0, min), (cut, pass), (1, max).
pub fn scale(fraction: f64, scale: &ScoreScale, cut: f64) -> u32 {
    let f = fraction.clamp(0.0, 1.0);
    let (min, pass, max) = (scale.min as f64, scale.pass as f64, scale.max as f64);
    let scaled = if f <= cut { min + (pass - min) * f / cut } else { pass + (max - pass) * (f - cut) / (1.0 - cut) };
    scaled.round() as u32
}

#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub scaled: u32,
    pub low: u32,
    pub high: u32,
    pub passed: bool,
}

pub fn estimate(correct: u32, total: u32, score: &ScoreScale, cut: f64) -> Estimate {
    if total == 0 {
        return Estimate { scaled: score.min, low: score.min, high: score.min, passed: false };
    }
    let p = correct as f64 / total as f64;
    let se = (p * (1.0 - p) / total as f64).sqrt();
    let scaled = scale(p, score, cut);
    Estimate {
        scaled,
        low: scale(p - 1.96 * se, score, cut),
        high: scale(p + 1.96 * se, score, cut),
        passed: scaled >= score.pass,
    }
}

/// Per-domain classification, as on the official score report.
pub fn meets_competencies(correct: i64, total: i64, cut: f64) -> bool {
    total > 0 && correct as f64 / total as f64 >= cut
}

#[cfg(test)]
mod tests {
    use super::*;

    const MLS: ScoreScale = ScoreScale { min: 100, max: 1000, pass: 750, cut_percent: 72 };

    #[test]
    fn the_three_anchor_points() {
        assert_eq!(scale(0.0, &MLS, 0.72), 100);
        assert_eq!(scale(0.72, &MLS, 0.72), 750);
        assert_eq!(scale(1.0, &MLS, 0.72), 1000);
        assert_eq!(scale(-0.5, &MLS, 0.72), 100);
        assert_eq!(scale(1.5, &MLS, 0.72), 1000);
    }

    #[test]
    fn estimates_pass_at_the_cut_and_fail_just_below() {
        // 47 of 65 = 72.3% → just above the cut; 46 of 65 = 70.8% → below.
        let at = estimate(47, 65, &MLS, 0.72);
        assert!(at.passed && at.scaled >= 750, "{at:?}");
        let below = estimate(46, 65, &MLS, 0.72);
        assert!(!below.passed && below.scaled < 750, "{below:?}");
        assert!(below.low < below.scaled && below.scaled < below.high);
    }

    #[test]
    fn perfect_and_empty_attempts() {
        assert_eq!(estimate(65, 65, &MLS, 0.72), Estimate { scaled: 1000, low: 1000, high: 1000, passed: true });
        assert_eq!(estimate(0, 65, &MLS, 0.72).scaled, 100);
        assert!(!estimate(0, 0, &MLS, 0.72).passed);
    }

    #[test]
    fn scaled_score_never_decreases_with_more_correct() {
        let scores: Vec<u32> = (0..=65).map(|c| estimate(c, 65, &MLS, 0.72).scaled).collect();
        assert!(scores.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn domain_classification() {
        assert!(meets_competencies(10, 13, 0.72));
        assert!(!meets_competencies(9, 13, 0.72));
        assert!(!meets_competencies(0, 0, 0.72));
    }
}
