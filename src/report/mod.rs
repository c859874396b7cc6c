//! Results of a finished attempt: the per-domain table, the weak areas (task statements and services)
//! and the question-by-question review with keys and rationales. Only ever read for finished attempts:
//! callers check `Attempt::is_finished` first, which is what keeps keys out of in-progress pages.

pub mod routes;

use sqlx::PgPool;
use uuid::Uuid;

use crate::bank::Blueprint;
use crate::exam::scoring::meets_competencies;
use crate::format::{self, percent};

#[derive(Debug, Clone)]
pub struct AreaScore {
    /// "1", "2.3" or a service name.
    pub key: String,
    pub title: String,
    pub correct: i64,
    pub total: i64,
    pub percent: i64,
    pub meets: bool,
}

#[derive(Debug, Clone)]
pub struct ReviewOption {
    pub letter: char,
    pub text_html: String,
    pub rationale_html: String,
    pub is_key: bool,
    pub chosen: bool,
}

#[derive(Debug, Clone)]
pub struct ReviewItem {
    pub position: i32,
    pub task: String,
    pub task_title: String,
    pub services: Vec<String>,
    pub stem_html: String,
    pub explanation_html: String,
    pub options: Vec<ReviewOption>,
    pub correct: bool,
    pub answered: bool,
    pub flagged: bool,
    pub seconds_spent: i32,
    /// False for an unscored pilot (revealed after the mock).
    pub scored: bool,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub domains: Vec<AreaScore>,
    pub tasks: Vec<AreaScore>,
    /// Services answered wrong at least once, weakest first.
    pub weak_services: Vec<AreaScore>,
}

pub async fn report(pool: &PgPool, attempt_id: Uuid, bp: &Blueprint) -> sqlx::Result<Report> {
    let cut = bp.cut_fraction();
    let domain_rows =
        sqlx::query!("select domain, correct, total from attempt_domain_scores where attempt_id = $1", attempt_id)
            .fetch_all(pool)
            .await?;
    let domains = bp
        .domains
        .iter()
        .filter_map(|d| {
            let r = domain_rows.iter().find(|r| r.domain == d.number as i32)?;
            Some(area(
                d.number.to_string(),
                format!("{} ({}%)", d.title, d.weight),
                r.correct.into(),
                r.total.into(),
                cut,
            ))
        })
        .collect();

    let task_rows =
        sqlx::query!("select task, correct, total from attempt_task_scores where attempt_id = $1", attempt_id)
            .fetch_all(pool)
            .await?;
    let mut tasks: Vec<AreaScore> = bp
        .tasks()
        .filter_map(|(_, t)| {
            let r = task_rows.iter().find(|r| r.task == t.id)?;
            Some(area(t.id.clone(), t.title.clone(), r.correct.into(), r.total.into(), cut))
        })
        .collect();
    // Weakest first: lowest share right, then the most questions missed.
    tasks.sort_by_key(|a| (a.percent, -(a.total - a.correct)));

    let service_rows = sqlx::query!(
        r#"select s as "service!", count(*) filter (where ai.correct) as "correct!", count(*) as "total!"
           from attempt_items ai join question_versions v on v.id = ai.question_version_id
           cross join unnest(v.services) as s
           where ai.attempt_id = $1 and ai.scored group by s"#,
        attempt_id
    )
    .fetch_all(pool)
    .await?;
    let mut weak_services: Vec<AreaScore> = service_rows
        .into_iter()
        .filter(|r| r.correct < r.total)
        .map(|r| area(r.service.clone(), r.service, r.correct, r.total, cut))
        .collect();
    weak_services.sort_by_key(|a| (a.percent, -(a.total - a.correct), a.key.clone()));
    Ok(Report { domains, tasks, weak_services })
}

fn area(key: String, title: String, correct: i64, total: i64, cut: f64) -> AreaScore {
    AreaScore {
        key,
        title,
        correct,
        total,
        percent: percent(correct, total),
        meets: meets_competencies(correct, total, cut),
    }
}

pub async fn review_items(pool: &PgPool, attempt_id: Uuid, bp: &Blueprint) -> sqlx::Result<Vec<ReviewItem>> {
    let rows = sqlx::query!(
        r#"select ai.position, ai.option_order, ai.chosen, ai.flagged, ai.seconds_spent, ai.scored,
                  coalesce(ai.correct, false) as "correct!",
                  v.task, v.services, v.stem_html, v.explanation_html, v.correct as key,
                  array(select o->>'text_html' from jsonb_array_elements(v.options) o) as "texts!: Vec<String>",
                  array(select o->>'rationale_html' from jsonb_array_elements(v.options) o) as "rationales!: Vec<String>"
           from attempt_items ai join question_versions v on v.id = ai.question_version_id
           where ai.attempt_id = $1 order by ai.position"#,
        attempt_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let options = r
                .option_order
                .iter()
                .enumerate()
                .map(|(shown, &file)| {
                    let f = file as usize;
                    ReviewOption {
                        letter: format::letter(shown),
                        text_html: r.texts.get(f).cloned().unwrap_or_default(),
                        rationale_html: r.rationales.get(f).cloned().unwrap_or_default(),
                        is_key: r.key.contains(&file),
                        chosen: r.chosen.contains(&file),
                    }
                })
                .collect();
            ReviewItem {
                position: r.position,
                task_title: bp.task(&r.task).map(|t| t.title.clone()).unwrap_or_default(),
                task: r.task,
                services: r.services,
                stem_html: r.stem_html,
                explanation_html: r.explanation_html,
                options,
                correct: r.correct,
                answered: !r.chosen.is_empty(),
                flagged: r.flagged,
                seconds_spent: r.seconds_spent,
                scored: r.scored,
            }
        })
        .collect())
}
