//! How the app writes things for people, in pages and on the command line alike: option letters,
//! "Select TWO" number words, dates, clocks and durations, whole percentages, counted nouns. Templates
//! call these through their page structs; nothing else formats these by hand.

use time::OffsetDateTime;
use time::macros::format_description;

/// Option letters as candidates see them: A, B, C, ...
pub const LETTERS: &[char] = &['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

/// The letter of the option shown at `index` (0-based); '?' past H.
pub fn letter(index: usize) -> char {
    LETTERS.get(index).copied().unwrap_or('?')
}

/// "TWO" in "Choose TWO answers" (capitals, as the exam writes them).
pub fn count_word(n: usize) -> &'static str {
    ["zero", "one", "TWO", "THREE", "FOUR", "FIVE"].get(n).copied().unwrap_or("several")
}

/// "2026-12-01 14:05 UTC".
pub fn date_time(t: OffsetDateTime) -> String {
    t.format(&format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).unwrap_or_default()
}

/// "2:05:09" for the exam bar.
pub fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// "2 h 5 min" for people and screen readers (rounded up to the minute).
pub fn duration_words(seconds: i64) -> String {
    let m = (seconds.max(0) + 59) / 60;
    match (m / 60, m % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// "45 s" or "2 min 5 s": time spent on one question.
pub fn seconds_words(seconds: i64) -> String {
    let s = seconds.max(0);
    if s < 60 { format!("{s} s") } else { format!("{} min {} s", s / 60, s % 60) }
}

/// Whole percent, rounded half up; 0 of nothing is 0.
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 { 0 } else { (part * 100 + whole / 2) / whole }
}

/// "1 question", "3 questions".
/// A CSV field, quoted (RFC 4180: inner quotes doubled).
pub fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn count_of(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_and_words() {
        assert_eq!(clock(10800), "3:00:00");
        assert_eq!(clock(3 * 3600 - 1), "2:59:59");
        assert_eq!(clock(-5), "0:00:00");
        assert_eq!(duration_words(10800), "3 h");
        assert_eq!(duration_words(7509), "2 h 6 min");
        assert_eq!(duration_words(30), "1 min");
        assert_eq!(seconds_words(45), "45 s");
        assert_eq!(seconds_words(125), "2 min 5 s");
    }

    #[test]
    fn letters_numbers_and_dates() {
        assert_eq!((letter(0), letter(3), letter(20)), ('A', 'D', '?'));
        assert_eq!(count_word(2), "TWO");
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(1, 0), 0);
        assert_eq!(count_of(1, "question"), "1 question");
        assert_eq!(count_of(2, "error"), "2 errors");
        assert_eq!(date_time(time::macros::datetime!(2026-12-01 14:05:09 UTC)), "2026-12-01 14:05 UTC");
    }
}
