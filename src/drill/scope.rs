//! What a drill practises, and which questions it draws. Pure: the candidates come from the database
//! with what the candidate's memory says of each; the choice and the order are made here.
//!
//! Order of a drill: questions due for review first (longest overdue first), then questions never seen,
//! then the rest, least recently reviewed first; ties at random. The drill takes the first `size`.

use rand::Rng;
use rand::seq::SliceRandom;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::bank::Blueprint;

/// The choice made on the drill page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Domain(u32),
    /// One or more task statements, e.g. `["1.1", "1.2"]`.
    Tasks(Vec<String>),
    Service(String),
    /// Questions whose review is due now.
    Due,
    /// Questions whose last answer (in a mock or a drill) was wrong.
    Missed,
    /// Questions the candidate has never answered.
    Unseen,
    /// The candidate's weakest task statements, from their mocks and drills.
    Weakest,
    /// The questions missed in one finished mock.
    Attempt(Uuid),
}

impl Scope {
    /// Parses the start form's `kind` and `value` (task statements comma-separated) against the blueprint.
    pub fn parse(kind: &str, value: &str, blueprint: &Blueprint) -> Result<Scope, String> {
        let value = value.trim();
        Ok(match kind {
            "domain" => {
                let n: u32 = value.parse().map_err(|_| "Choose a domain.".to_string())?;
                if !blueprint.domains.iter().any(|d| d.number == n) {
                    return Err(format!("{} has no domain {n}.", blueprint.code));
                }
                Scope::Domain(n)
            }
            "tasks" => {
                let tasks: Vec<String> =
                    value.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect();
                if tasks.is_empty() {
                    return Err("Choose at least one task statement.".into());
                }
                if let Some(unknown) = tasks.iter().find(|t| blueprint.task(t).is_none()) {
                    return Err(format!("{} has no task statement {unknown}.", blueprint.code));
                }
                Scope::Tasks(tasks)
            }
            "service" if !value.is_empty() => Scope::Service(value.to_string()),
            "service" => return Err("Choose a service.".into()),
            "due" => Scope::Due,
            "missed" => Scope::Missed,
            "unseen" => Scope::Unseen,
            "weakest" => Scope::Weakest,
            "attempt" => Scope::Attempt(value.parse().map_err(|_| "That mock exam does not exist.".to_string())?),
            _ => return Err("Choose what to practise.".into()),
        })
    }

    /// The `(kind, value)` stored with the drill; `parse` reads it back.
    pub fn stored(&self) -> (&'static str, String) {
        match self {
            Scope::Domain(n) => ("domain", n.to_string()),
            Scope::Tasks(t) => ("tasks", t.join(",")),
            Scope::Service(s) => ("service", s.clone()),
            Scope::Due => ("due", String::new()),
            Scope::Missed => ("missed", String::new()),
            Scope::Unseen => ("unseen", String::new()),
            Scope::Weakest => ("weakest", String::new()),
            Scope::Attempt(id) => ("attempt", id.to_string()),
        }
    }

    /// How the drill is named on the dashboard and the drill pages.
    pub fn title(&self, blueprint: &Blueprint) -> String {
        match self {
            Scope::Domain(n) => {
                let title = blueprint.domains.iter().find(|d| d.number == *n).map(|d| d.title.as_str()).unwrap_or("");
                format!("Domain {n}: {title}")
            }
            Scope::Tasks(t) if t.len() == 1 => {
                format!("Task {} {}", t[0], blueprint.task(&t[0]).map(|t| t.title.as_str()).unwrap_or(""))
            }
            Scope::Tasks(t) => format!("Task statements {}", t.join(", ")),
            Scope::Service(s) => format!("Service: {s}"),
            Scope::Due => "Due for review".into(),
            Scope::Missed => "Missed before".into(),
            Scope::Unseen => "Never seen".into(),
            Scope::Weakest => "My weakest task statements".into(),
            Scope::Attempt(_) => "Questions I missed in a mock".into(),
        }
    }
}

/// How many questions a drill takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Count(u32),
    All,
}

impl Size {
    pub const CHOICES: [&'static str; 4] = ["10", "20", "50", "all"];

    pub fn parse(s: &str) -> Result<Size, String> {
        match s {
            "all" => Ok(Size::All),
            "10" | "20" | "50" => Ok(Size::Count(s.parse().expect("a listed number"))),
            _ => Err("Choose 10, 20, 50 or all questions.".into()),
        }
    }

    fn limit(self) -> usize {
        match self {
            Size::Count(n) => n as usize,
            Size::All => usize::MAX,
        }
    }
}

/// A live question as the drill sees it: where it sits and what the candidate's memory says.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub version_id: i64,
    pub question_id: String,
    pub domain: u32,
    pub task: String,
    pub services: Vec<String>,
    pub option_count: usize,
    pub due: Option<OffsetDateTime>,
    pub last_review: Option<OffsetDateTime>,
    /// The last answer was wrong.
    pub last_missed: bool,
    /// Missed in the mock named by `Scope::Attempt`.
    pub missed_in_attempt: bool,
}

/// Whether `c` belongs to the scope (`weakest` are the weakest task statements, for `Scope::Weakest`).
pub fn matches(scope: &Scope, c: &Candidate, now: OffsetDateTime, weakest: &[String]) -> bool {
    match scope {
        Scope::Domain(n) => c.domain == *n,
        Scope::Tasks(t) => t.contains(&c.task),
        Scope::Service(s) => c.services.contains(s),
        Scope::Due => c.due.is_some_and(|d| d <= now),
        Scope::Missed => c.last_missed,
        Scope::Unseen => c.last_review.is_none(),
        Scope::Weakest => weakest.contains(&c.task),
        Scope::Attempt(_) => c.missed_in_attempt,
    }
}

/// One question of the drill: the version and the order its options are shown in (as in a mock).
pub use crate::exam::assemble::Pick;

/// Chooses and orders the drill's questions (see the module comment) and shuffles each one's options.
pub fn choose(
    scope: &Scope,
    candidates: &[Candidate],
    size: Size,
    now: OffsetDateTime,
    weakest: &[String],
    rng: &mut impl Rng,
) -> Vec<Pick> {
    let mut chosen: Vec<&Candidate> = candidates.iter().filter(|c| matches(scope, c, now, weakest)).collect();
    chosen.shuffle(rng);
    // Stable sort after the shuffle: due (oldest due first), unseen, then least recently reviewed.
    chosen.sort_by_key(|c| match (c.due, c.last_review) {
        (Some(due), _) if due <= now => (0, Some(due)),
        (_, None) => (1, None),
        (_, last) => (2, last),
    });
    chosen
        .into_iter()
        .take(size.limit())
        .map(|c| {
            let mut order: Vec<i32> = (0..c.option_count as i32).collect();
            order.shuffle(rng);
            Pick { version_id: c.version_id, option_order: order, scored: true }
        })
        .collect()
}

/// The task statements with the lowest share right, weakest first, from `(task, right, answered)`; only
/// tasks with at least `min_answers` answers count, and at most `n` are returned.
pub fn weakest_tasks(stats: &[(String, i64, i64)], min_answers: i64, n: usize) -> Vec<String> {
    let mut judged: Vec<&(String, i64, i64)> = stats.iter().filter(|(_, _, total)| *total >= min_answers).collect();
    // Compare right/total exactly as cross products; then more misses first, then the task id.
    judged.sort_by(|a, b| (a.1 * b.2).cmp(&(b.1 * a.2)).then((b.2 - b.1).cmp(&(a.2 - a.1))).then(a.0.cmp(&b.0)));
    judged.into_iter().take(n).map(|(t, _, _)| t.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::fixtures::mls_c01;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use time::Duration;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-01 10:00 UTC);

    fn candidate(id: i64, task: &str, due: Option<OffsetDateTime>, last: Option<OffsetDateTime>) -> Candidate {
        Candidate {
            version_id: id,
            question_id: format!("q{id}"),
            domain: task[..1].parse().unwrap(),
            task: task.into(),
            services: vec!["Amazon S3".into()],
            option_count: 4,
            due,
            last_review: last,
            last_missed: false,
            missed_in_attempt: false,
        }
    }

    #[test]
    fn scopes_parse_against_the_blueprint_and_round_trip() {
        let bp = mls_c01();
        assert_eq!(Scope::parse("domain", "3", &bp), Ok(Scope::Domain(3)));
        assert!(Scope::parse("domain", "9", &bp).is_err());
        assert_eq!(Scope::parse("tasks", "1.1, 1.2", &bp), Ok(Scope::Tasks(vec!["1.1".into(), "1.2".into()])));
        assert!(Scope::parse("tasks", "1.9", &bp).is_err());
        assert!(Scope::parse("tasks", "", &bp).is_err());
        assert!(Scope::parse("service", " ", &bp).is_err());
        assert!(Scope::parse("everything", "", &bp).is_err());
        for scope in
            [Scope::Domain(2), Scope::Tasks(vec!["2.1".into()]), Scope::Service("Amazon S3".into()), Scope::Due]
        {
            let (kind, value) = scope.stored();
            assert_eq!(Scope::parse(kind, &value, &bp), Ok(scope));
        }
        assert_eq!(
            Scope::Tasks(vec!["1.2".into()]).title(&bp),
            "Task 1.2 Identify and implement a data ingestion solution"
        );
        assert_eq!(Size::parse("20"), Ok(Size::Count(20)));
        assert!(Size::parse("7").is_err());
    }

    #[test]
    fn due_first_then_unseen_then_least_recently_reviewed() {
        let old = NOW - Duration::days(30);
        let pool = vec![
            candidate(1, "1.1", Some(NOW + Duration::days(3)), Some(NOW - Duration::days(2))),
            candidate(2, "1.1", None, None),
            candidate(3, "1.1", Some(NOW - Duration::days(1)), Some(old)),
            candidate(4, "1.1", Some(NOW + Duration::days(9)), Some(old)),
            candidate(5, "1.1", Some(NOW - Duration::days(5)), Some(old)),
            candidate(6, "2.1", None, None),
        ];
        let mut rng = StdRng::seed_from_u64(7);
        let picks = choose(&Scope::Tasks(vec!["1.1".into()]), &pool, Size::All, NOW, &[], &mut rng);
        let order: Vec<i64> = picks.iter().map(|p| p.version_id).collect();
        assert_eq!(order, [5, 3, 2, 4, 1]);
        let due = choose(&Scope::Due, &pool, Size::Count(10), NOW, &[], &mut rng);
        assert_eq!(due.iter().map(|p| p.version_id).collect::<Vec<_>>(), [5, 3]);
        let unseen = choose(&Scope::Unseen, &pool, Size::Count(1), NOW, &[], &mut rng);
        assert_eq!(unseen.len(), 1);
        let mut order = picks[0].option_order.clone();
        order.sort();
        assert_eq!(order, [0, 1, 2, 3], "options are a permutation");
    }

    #[test]
    fn weakest_tasks_need_enough_answers() {
        let stats = vec![
            ("1.1".to_string(), 9, 10),
            ("1.2".to_string(), 1, 2),
            ("2.1".to_string(), 2, 10),
            ("3.1".to_string(), 5, 10),
            ("3.2".to_string(), 1, 5),
        ];
        // 2.1 and 3.2 are both at 20 %; 2.1 has more misses.
        assert_eq!(weakest_tasks(&stats, 3, 2), ["2.1", "3.2"]);
        assert_eq!(weakest_tasks(&stats, 3, 5), ["2.1", "3.2", "3.1", "1.1"], "1.2 has too few answers");
        assert_eq!(weakest_tasks(&stats, 1, 5), ["2.1", "3.2", "3.1", "1.2", "1.1"], "ties: more misses first");
        assert!(weakest_tasks(&[], 1, 3).is_empty());
    }
}
