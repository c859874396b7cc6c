//! Item analysis from the database: loads the answers of finished mocks (and, as an option, drills) into
//! [`analysis`] values, runs it, and returns one row per question version with its flags. The page, the
//! CSV, the editor's panel and `mockexam bench analysis` all read it from here.

use std::collections::HashMap;

use sqlx::PgPool;

use super::analysis::{self, Analysis, Item, Response, Sitting};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Every finished attempt, not only each candidate's first.
    pub all_attempts: bool,
    /// Drills count as sittings too.
    pub drills: bool,
    /// Each version of a question on its own row (default: only answers to the current version).
    pub per_version: bool,
    pub min_n: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { all_attempts: false, drills: false, per_version: false, min_n: analysis::DEFAULT_MIN_N }
    }
}

/// One analysed question version.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub question_id: String,
    pub version: i32,
    pub current: bool,
    pub task: String,
    pub status: String,
    pub stats: analysis::ItemStats,
    /// Share of drill answers given with *Guess* confidence (None without drill answers).
    pub guess_share: Option<f64>,
    pub drill_answers: i64,
}

pub struct Report {
    pub items: Vec<ItemRow>,
    pub exam: analysis::ExamStats,
}

/// One answer as loaded: which sitting, which version, what was chosen.
#[derive(Debug, Clone)]
pub struct Answer {
    pub sitting: String,
    pub version_id: i64,
    pub chosen: Vec<i32>,
    pub correct: bool,
    pub seconds: i32,
    pub scored: bool,
}

pub async fn load_answers(pool: &PgPool, exam: &str, o: &Options) -> sqlx::Result<Vec<Answer>> {
    let mut answers: Vec<Answer> = sqlx::query!(
        r#"select a.id::text as "sitting!", ai.question_version_id, ai.chosen, coalesce(ai.correct, false) as "correct!",
                  ai.seconds_spent, ai.scored
           from attempts a join attempt_items ai on ai.attempt_id = a.id
           where a.exam_code = $1 and a.finished_at is not null
             and ($2 or a.id = (select f.id from attempts f
                                where f.user_id = a.user_id and f.exam_code = a.exam_code and f.finished_at is not null
                                order by f.started_at, f.id limit 1))
           order by a.id, ai.position"#,
        exam,
        o.all_attempts
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Answer {
        sitting: r.sitting,
        version_id: r.question_version_id,
        chosen: r.chosen,
        correct: r.correct,
        seconds: r.seconds_spent,
        scored: r.scored,
    })
    .collect();
    if o.drills {
        let drills = sqlx::query!(
            r#"select 'drill-' || d.id::text as "sitting!", di.question_version_id, di.chosen as "chosen!",
                      coalesce(di.correct, false) as "correct!", coalesce(di.seconds_spent, 0) as "seconds!"
               from drills d join drill_items di on di.drill_id = d.id
               where d.exam_code = $1 and di.chosen is not null
               order by d.id, di.position"#,
            exam
        )
        .fetch_all(pool)
        .await?;
        answers.extend(drills.into_iter().map(|r| Answer {
            sitting: r.sitting,
            version_id: r.question_version_id,
            chosen: r.chosen,
            correct: r.correct,
            seconds: r.seconds,
            scored: true,
        }));
    }
    Ok(answers)
}

struct VersionInfo {
    question_id: String,
    version: i32,
    current: bool,
    task: String,
    status: String,
    option_count: usize,
    key: Vec<usize>,
}

pub async fn report(pool: &PgPool, exam: &str, o: &Options) -> sqlx::Result<Report> {
    let versions: HashMap<i64, VersionInfo> = sqlx::query!(
        r#"select v.id, v.question_id, v.version, q.current_version_id = v.id as "current!", v.task, q.status,
                  jsonb_array_length(v.options) as "option_count!", v.correct
           from question_versions v join questions q on q.exam_code = v.exam_code and q.id = v.question_id
           where v.exam_code = $1"#,
        exam
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| {
        let info = VersionInfo {
            question_id: r.question_id,
            version: r.version,
            current: r.current,
            task: r.task,
            status: r.status,
            option_count: r.option_count as usize,
            key: r.correct.iter().map(|&k| k as usize).collect(),
        };
        (r.id, info)
    })
    .collect();
    let answers = load_answers(pool, exam, o).await?;
    let guesses: HashMap<i64, (i64, i64)> = sqlx::query!(
        r#"select di.question_version_id, count(*) as "n!", count(*) filter (where di.confidence = 'guess') as "guess!"
           from drills d join drill_items di on di.drill_id = d.id
           where d.exam_code = $1 and di.chosen is not null group by 1"#,
        exam
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.question_version_id, (r.n, r.guess)))
    .collect();
    let (analysis, keys) = analyse_answers(&versions, &answers, o);
    let items = keys
        .into_iter()
        .zip(analysis.items)
        .filter(|(_, stats)| stats.n > 0)
        .map(|(version_id, stats)| {
            let v = &versions[&version_id];
            let (n, g) = guesses.get(&version_id).copied().unwrap_or((0, 0));
            ItemRow {
                question_id: v.question_id.clone(),
                version: v.version,
                current: v.current,
                task: v.task.clone(),
                status: v.status.clone(),
                guess_share: (n > 0).then(|| g as f64 / n as f64),
                drill_answers: n,
                stats,
            }
        })
        .collect();
    Ok(Report { items, exam: analysis.exam })
}

/// Groups answers into sittings and items (one item per version; without `per_version`, answers to a
/// question's older versions still count toward each sitting's total but get no row).
fn analyse_answers(versions: &HashMap<i64, VersionInfo>, answers: &[Answer], o: &Options) -> (Analysis, Vec<i64>) {
    let mut index: HashMap<i64, usize> = HashMap::new();
    let mut keys: Vec<i64> = vec![];
    let mut items: Vec<Item> = vec![];
    let mut sittings: Vec<Sitting> = vec![];
    let mut last: Option<&str> = None;
    for a in answers {
        let Some(v) = versions.get(&a.version_id) else { continue };
        if last != Some(a.sitting.as_str()) {
            sittings.push(Sitting::default());
            last = Some(&a.sitting);
        }
        let item = *index.entry(a.version_id).or_insert_with(|| {
            keys.push(a.version_id);
            items.push(Item { option_count: v.option_count, key: v.key.clone() });
            items.len() - 1
        });
        sittings.last_mut().expect("pushed").responses.push(Response {
            item,
            correct: a.correct,
            chosen: a.chosen.iter().map(|&c| c as usize).collect(),
            seconds: a.seconds.max(0) as u32,
            scored: a.scored,
        });
    }
    let mut analysis = analysis::analyse(&items, &sittings, o.min_n);
    if !o.per_version {
        // Only the current versions get rows.
        let keep: Vec<bool> = keys.iter().map(|k| versions[k].current).collect();
        let mut it = keep.iter();
        analysis.items.retain(|_| *it.next().expect("same length"));
        let mut it = keep.iter();
        keys.retain(|_| *it.next().expect("same length"));
    }
    (analysis, keys)
}
