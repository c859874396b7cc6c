//! Spaced repetition with FSRS-6 (the `fsrs` crate, the scheduler Anki uses). Pure: the caller passes the
//! clock, so every rule here is unit-tested on fixed dates.
//!
//! - Every answer becomes an FSRS rating: wrong → Again; right and *Guess* → Hard; right and *Unsure* →
//!   Good; right and *Sure* → Easy. Mock answers carry no confidence and count as *Unsure* (Good).
//! - FSRS turns the question's memory state (stability, difficulty), the days since the last review and
//!   the rating into a new state and an interval at the desired retention (default 0.90).
//! - A question answered wrong is due again at once (Anki's relearning step): it comes back in the next
//!   "Due for review" drill. Otherwise it is due after the FSRS interval, never less than a day.

use std::sync::OnceLock;

use fsrs::{FSRS, MemoryState};
use time::{Duration, OffsetDateTime};

/// The FSRS rating of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    Again = 1,
    Hard = 2,
    Good = 3,
    Easy = 4,
}

impl Rating {
    pub fn from_number(n: i16) -> Option<Self> {
        [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy].into_iter().find(|r| *r as i16 == n)
    }
}

/// How sure the candidate said they were (drills only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    Sure,
    Unsure,
    Guess,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::Sure, Confidence::Unsure, Confidence::Guess];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Sure => "sure",
            Confidence::Unsure => "unsure",
            Confidence::Guess => "guess",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Confidence::Sure => "Sure",
            Confidence::Unsure => "Unsure",
            Confidence::Guess => "Guess",
        }
    }
}

/// Wrong → Again; right → Hard, Good or Easy by confidence (a mock answer has none: Good).
pub fn rating(correct: bool, confidence: Option<Confidence>) -> Rating {
    match (correct, confidence) {
        (false, _) => Rating::Again,
        (true, Some(Confidence::Guess)) => Rating::Hard,
        (true, Some(Confidence::Unsure) | None) => Rating::Good,
        (true, Some(Confidence::Sure)) => Rating::Easy,
    }
}

/// What is remembered of one question for one candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    pub stability: f64,
    pub difficulty: f64,
    pub last_review: OffsetDateTime,
    pub due: OffsetDateTime,
    pub reviews: i32,
    pub lapses: i32,
    pub last_rating: Rating,
}

/// The desired retention used when none is configured.
pub const DEFAULT_RETENTION: f32 = 0.90;

fn model() -> &'static FSRS {
    static MODEL: OnceLock<FSRS> = OnceLock::new();
    MODEL.get_or_init(|| FSRS::new(&[]).expect("the default FSRS-6 parameters are valid"))
}

/// The memory after answering at `now` with `rating`; `before` is `None` for a first sighting.
pub fn review(before: Option<&Memory>, rating: Rating, now: OffsetDateTime, retention: f32) -> Memory {
    let retention = retention.clamp(0.70, 0.99);
    let state = before.map(|m| MemoryState { stability: m.stability as f32, difficulty: m.difficulty as f32 });
    let days = before.map_or(0, |m| (now - m.last_review).whole_days().max(0) as u32);
    let next = model().next_states(state, retention, days).expect("FSRS next states for a valid memory state");
    let item = match rating {
        Rating::Again => next.again,
        Rating::Hard => next.hard,
        Rating::Good => next.good,
        Rating::Easy => next.easy,
    };
    let due = if rating == Rating::Again {
        now
    } else {
        // Whole minutes of an interval of at least one day.
        now + Duration::minutes((f64::from(item.interval).max(1.0) * 24.0 * 60.0).round() as i64)
    };
    Memory {
        stability: f64::from(item.memory.stability),
        difficulty: f64::from(item.memory.difficulty),
        last_review: now,
        due,
        reviews: before.map_or(1, |m| m.reviews + 1),
        lapses: before.map_or(0, |m| m.lapses) + i32::from(rating == Rating::Again && before.is_some()),
        last_rating: rating,
    }
}

/// Whether the question should come back now.
pub fn is_due(memory: &Memory, now: OffsetDateTime) -> bool {
    memory.due <= now
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-01 10:00 UTC);

    #[test]
    fn ratings_follow_correctness_and_confidence() {
        assert_eq!(rating(false, Some(Confidence::Sure)), Rating::Again);
        assert_eq!(rating(false, None), Rating::Again);
        assert_eq!(rating(true, Some(Confidence::Guess)), Rating::Hard);
        assert_eq!(rating(true, Some(Confidence::Unsure)), Rating::Good);
        assert_eq!(rating(true, None), Rating::Good);
        assert_eq!(rating(true, Some(Confidence::Sure)), Rating::Easy);
        assert_eq!(Rating::from_number(3), Some(Rating::Good));
        assert_eq!(Confidence::parse("guess"), Some(Confidence::Guess));
        assert_eq!(Confidence::parse("maybe"), None);
    }

    #[test]
    fn a_miss_is_due_at_once() {
        let m = review(None, Rating::Again, NOW, DEFAULT_RETENTION);
        assert!(is_due(&m, NOW));
        assert_eq!((m.reviews, m.lapses), (1, 0));
    }

    #[test]
    fn a_sure_right_answer_is_not_due_tomorrow_but_comes_back_later() {
        let m = review(None, Rating::Easy, NOW, DEFAULT_RETENTION);
        assert!(!is_due(&m, NOW + Duration::days(1)), "due {}", m.due);
        assert!(is_due(&m, NOW + Duration::days(60)), "due {}", m.due);
    }

    #[test]
    fn better_ratings_wait_longer() {
        let due = |r| review(None, r, NOW, DEFAULT_RETENTION).due;
        assert!(due(Rating::Again) < due(Rating::Hard));
        assert!(due(Rating::Hard) <= due(Rating::Good));
        assert!(due(Rating::Good) < due(Rating::Easy));
        assert!(due(Rating::Hard) >= NOW + Duration::days(1), "never less than a day when right");
    }

    #[test]
    fn a_second_success_waits_longer_than_the_first_and_a_lapse_is_counted() {
        let first = review(None, Rating::Good, NOW, DEFAULT_RETENTION);
        let second = review(Some(&first), Rating::Good, first.due, DEFAULT_RETENTION);
        assert!(second.due - second.last_review > first.due - first.last_review);
        assert_eq!(second.reviews, 2);
        let lapse = review(Some(&second), Rating::Again, second.due, DEFAULT_RETENTION);
        assert_eq!(lapse.lapses, 1);
        assert!(lapse.stability < second.stability);
    }

    #[test]
    fn higher_retention_means_sooner_reviews() {
        let at = |r| review(None, Rating::Good, NOW, r).due;
        assert!(at(0.95) < at(0.85));
    }
}
