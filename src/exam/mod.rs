//! Timed mock exams: assembly by the blueprint's weights ([`assemble`]), the attempt in PostgreSQL with
//! its server-held deadline and autosaved answers ([`store`]), finishing and scoring ([`finish`],
//! [`scoring`]), the pages
//! ([`routes`]) and the background sweeper that finishes abandoned attempts ([`sweeper`]).

pub mod assemble;
pub mod finish;
pub mod routes;
pub mod scoring;
pub mod store;
pub mod sweeper;

/// "2:05:09" for the exam bar.
pub fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// "2 h 5 min" for people and screen readers.
pub fn duration_words(seconds: i64) -> String {
    let m = (seconds.max(0) + 59) / 60;
    match (m / 60, m % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
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
    }
}
