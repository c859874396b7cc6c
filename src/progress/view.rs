//! The figures of the progress and cohort pages, built from loaded rows. Pure: tests give it rows and
//! check the numbers.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::model::{self, Answer, Chart, Mastery, Readiness};
use super::store::{AnswerRow, Mock};
use crate::bank::Blueprint;
use crate::exam::scoring;

/// One row of a mastery table.
#[derive(Debug, Clone)]
pub struct Area {
    pub key: String,
    pub title: String,
    pub mastery: Mastery,
}

#[derive(Debug, Clone)]
pub struct Slow {
    pub question_id: String,
    pub task: String,
    pub seconds: i32,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct Pacing {
    pub median_seconds: Option<f64>,
    pub budget_seconds: f64,
    pub slowest: Vec<Slow>,
    pub timed_out: usize,
}

#[derive(Debug, Clone)]
pub struct Progress {
    pub mocks: usize,
    pub answers: usize,
    pub chart: Chart,
    /// (date, scaled, low, high, raw, scored) per mock, for the table beside the chart.
    pub table: Vec<(OffsetDateTime, u32, u32, u32, i32, i32)>,
    pub domains: Vec<Area>,
    pub tasks: Vec<Area>,
    pub services: Vec<Area>,
    pub readiness: Result<Readiness, String>,
    pub pacing: Pacing,
}

fn age_days(now: OffsetDateTime, at: OffsetDateTime) -> f64 {
    (now - at).as_seconds_f64() / 86_400.0
}

fn as_answer(now: OffsetDateTime, r: &AnswerRow) -> Answer {
    Answer { correct: r.correct, age_days: age_days(now, r.at) }
}

/// Answers per task statement, in blueprint order.
pub fn by_task(bp: &Blueprint, rows: &[&AnswerRow], now: OffsetDateTime) -> Vec<Vec<Answer>> {
    bp.tasks().map(|(_, t)| rows.iter().filter(|r| r.task == t.id).map(|r| as_answer(now, r)).collect()).collect()
}

/// Weakest first among those with enough answers; those with too few (marked) after them.
fn weakest_first(areas: &mut [Area]) {
    areas.sort_by(|a, b| {
        (a.mastery.too_few(), a.mastery.rate, -(a.mastery.answers as i64))
            .partial_cmp(&(b.mastery.too_few(), b.mastery.rate, -(b.mastery.answers as i64)))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

/// Mastery per task statement, domain and service (each weakest first), from some answers.
pub fn areas(bp: &Blueprint, rows: &[&AnswerRow], now: OffsetDateTime) -> (Vec<Area>, Vec<Area>, Vec<Area>) {
    let per_task = by_task(bp, rows, now);
    let mut tasks: Vec<Area> = bp
        .tasks()
        .zip(&per_task)
        .map(|((_, t), a)| Area { key: t.id.clone(), title: t.title.clone(), mastery: model::mastery(a) })
        .collect();
    let mut domains: Vec<Area> = bp
        .domains
        .iter()
        .map(|d| {
            let a: Vec<Answer> = bp
                .tasks()
                .zip(&per_task)
                .filter(|((dom, _), _)| dom.number == d.number)
                .flat_map(|(_, a)| a.iter().copied())
                .collect();
            Area { key: d.number.to_string(), title: d.title.clone(), mastery: model::mastery(&a) }
        })
        .collect();
    let mut by_service: BTreeMap<&str, Vec<Answer>> = BTreeMap::new();
    for r in rows {
        for s in &r.services {
            by_service.entry(s.as_str()).or_default().push(as_answer(now, r));
        }
    }
    let mut services: Vec<Area> = by_service
        .into_iter()
        .map(|(s, a)| Area { key: s.to_string(), title: s.to_string(), mastery: model::mastery(&a) })
        .collect();
    weakest_first(&mut tasks);
    weakest_first(&mut domains);
    weakest_first(&mut services);
    services.truncate(10);
    (domains, tasks, services)
}

pub fn progress(bp: &Blueprint, mocks: &[Mock], rows: &[AnswerRow], now: OffsetDateTime) -> Progress {
    let refs: Vec<&AnswerRow> = rows.iter().collect();
    let (domains, tasks, services) = areas(bp, &refs, now);
    let table: Vec<(OffsetDateTime, u32, u32, u32, i32, i32)> = mocks
        .iter()
        .map(|m| {
            let est = scoring::estimate(m.raw.max(0) as u32, m.scored.max(0) as u32, &bp.score, bp.cut_fraction());
            (m.finished_at, m.scaled.max(0) as u32, est.low, est.high, m.raw, m.scored)
        })
        .collect();
    let points: Vec<(u32, u32, u32, String)> =
        table.iter().map(|(at, s, lo, hi, _, _)| (*s, *lo, *hi, crate::format::date_time(*at))).collect();
    let chart = model::chart(&points, bp.score.min, bp.score.max, bp.score.pass);
    let readiness =
        model::enough_evidence(mocks.len(), rows.len()).map(|()| model::readiness(bp, &by_task(bp, &refs, now), 1));

    let mock_rows: Vec<&AnswerRow> = rows.iter().filter(|r| r.source == "mock").collect();
    let mut seconds: Vec<f64> = mock_rows.iter().map(|r| f64::from(r.seconds)).collect();
    let median_seconds = crate::authoring::analysis::median(&mut seconds);
    let mut slowest: Vec<Slow> = mock_rows
        .iter()
        .map(|r| Slow { question_id: r.question_id.clone(), task: r.task.clone(), seconds: r.seconds, at: r.at })
        .collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.seconds));
    slowest.truncate(5);
    let pacing = Pacing {
        median_seconds,
        budget_seconds: f64::from(bp.duration_minutes) * 60.0 / f64::from(bp.question_count.max(1)),
        slowest,
        timed_out: mocks.iter().filter(|m| m.timed_out).count(),
    };
    Progress { mocks: mocks.len(), answers: rows.len(), chart, table, domains, tasks, services, readiness, pacing }
}

/// A question the cohort misses most: its id, task, misses and answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Missed {
    pub question_id: String,
    pub task: String,
    pub missed: usize,
    pub answers: usize,
}

/// The questions missed most by share (at least `min_answers` answers), most missed first, at most `n`.
pub fn most_missed(rows: &[&AnswerRow], min_answers: usize, n: usize) -> Vec<Missed> {
    let mut by: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    for r in rows {
        let e = by.entry((r.question_id.as_str(), r.task.as_str())).or_default();
        e.1 += 1;
        if !r.correct {
            e.0 += 1;
        }
    }
    let mut out: Vec<Missed> = by
        .into_iter()
        .filter(|(_, (_, a))| *a >= min_answers)
        .map(|((q, t), (m, a))| Missed { question_id: q.into(), task: t.into(), missed: m, answers: a })
        .collect();
    out.sort_by(|a, b| (b.missed * a.answers).cmp(&(a.missed * b.answers)).then(b.answers.cmp(&a.answers)));
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;
    use crate::bank::fixtures::mls_c01;

    fn row(task: &str, services: &[&str], correct: bool, days_ago: i64, source: &str, seconds: i32) -> AnswerRow {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1000);
        AnswerRow {
            source: source.into(),
            at: now - Duration::days(days_ago),
            question_id: format!("q-{task}-{seconds}"),
            version: 1,
            task: task.into(),
            services: services.iter().map(|s| s.to_string()).collect(),
            correct,
            chosen: vec![],
            seconds,
        }
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::days(1000)
    }

    #[test]
    fn mastery_tables_put_the_weakest_first_and_the_unjudged_last() {
        let bp = mls_c01();
        let mut rows = vec![];
        // 1.1: 8 answers, 2 right today → 25 %; 2.1: 8 answers, all right → 100 %; 3.1: 2 answers (too few).
        for i in 0..8 {
            rows.push(row("1.1", &["Athena"], i < 2, 0, "drill", 10));
            rows.push(row("2.1", &["Glue"], true, 0, "drill", 10));
        }
        rows.push(row("3.1", &["Athena"], false, 0, "drill", 10));
        rows.push(row("3.1", &["Athena"], false, 0, "drill", 10));
        let refs: Vec<&AnswerRow> = rows.iter().collect();
        let (domains, tasks, services) = areas(&bp, &refs, now());
        assert_eq!(tasks[0].key, "1.1");
        assert_eq!(tasks[0].mastery.percent(), 25);
        assert_eq!(tasks[1].key, "2.1");
        assert!(tasks.iter().position(|t| t.key == "3.1").unwrap() > 1, "too few to judge: after the judged ones");
        assert_eq!(domains[0].key, "1");
        // Athena: 2 right of 10 (1.1 and 3.1) → 20 %.
        assert_eq!(
            (services[0].key.as_str(), services[0].mastery.percent(), services[0].mastery.answers),
            ("Athena", 20, 10)
        );
    }

    #[test]
    fn pacing_readiness_and_the_chart_from_mocks_and_answers() {
        let bp = mls_c01();
        let rows: Vec<AnswerRow> = (0..10)
            .map(|i| row("1.2", &[], i % 2 == 0, 1, "mock", [30, 60, 90, 120, 150, 200, 10, 20, 40, 50][i]))
            .collect();
        let mocks = vec![Mock {
            id: uuid::Uuid::nil(),
            finished_at: now() - Duration::days(1),
            scaled: 600,
            raw: 30,
            scored: 50,
            timed_out: true,
        }];
        let p = progress(&bp, &mocks, &rows, now());
        // seconds sorted: 10 20 30 40 50 60 90 120 150 200 → median (50 + 60) / 2
        assert_eq!(p.pacing.median_seconds, Some(55.0));
        assert_eq!(p.pacing.budget_seconds, 180.0 * 60.0 / 65.0);
        assert_eq!(p.pacing.slowest[0].seconds, 200);
        assert_eq!(p.pacing.timed_out, 1);
        assert!(p.readiness.is_ok(), "one finished mock is enough evidence");
        assert_eq!(p.chart.points.len(), 1);
        let (_, scaled, low, high, _, _) = p.table[0];
        assert!(low < scaled && scaled < high);
        let none = progress(&bp, &[], &rows, now());
        assert!(none.readiness.unwrap_err().contains("90 more questions"));
    }

    #[test]
    fn the_most_missed_questions_by_share() {
        let mut rows = vec![];
        for (q, misses, total) in [("a", 3, 4), ("b", 4, 4), ("c", 1, 5), ("d", 2, 2)] {
            for i in 0..total {
                let mut r = row("1.1", &[], i >= misses, 0, "mock", 1);
                r.question_id = q.into();
                rows.push(r);
            }
        }
        let refs: Vec<&AnswerRow> = rows.iter().collect();
        let top = most_missed(&refs, 3, 2);
        assert_eq!(top.iter().map(|m| m.question_id.as_str()).collect::<Vec<_>>(), ["b", "a"], "d has too few answers");
        assert_eq!((top[1].missed, top[1].answers), (3, 4));
    }
}
