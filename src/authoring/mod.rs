//! What instructors see of the bank: coverage of each exam against the blueprint, and every question
//! with its versions. (Authoring in the browser, item analysis and import/export build on this.)

pub mod routes;

use sqlx::PgPool;

#[derive(Debug, Clone)]
pub struct TaskCoverage {
    pub task: String,
    pub title: String,
    pub domain: u32,
    pub live: i64,
    pub needed: u32,
}

#[derive(Debug, Clone)]
pub struct QuestionRow {
    pub id: String,
    pub task: String,
    pub version: i32,
    pub difficulty: String,
    pub multiple: bool,
    pub retired: bool,
    pub source_path: String,
}

pub async fn questions(pool: &PgPool, exam: &str) -> sqlx::Result<Vec<QuestionRow>> {
    let rows = sqlx::query!(
        r#"select q.id, q.task, v.version, v.difficulty, v.multiple, q.retired_at is not null as "retired!", v.source_path
           from questions q join question_versions v on v.id = q.current_version_id
           where q.exam_code = $1 order by q.task, q.id"#,
        exam
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| QuestionRow {
            id: r.id,
            task: r.task,
            version: r.version,
            difficulty: r.difficulty,
            multiple: r.multiple,
            retired: r.retired,
            source_path: r.source_path,
        })
        .collect())
}

/// Live questions per task statement against the number one full mock draws from it.
pub async fn coverage(pool: &PgPool, bp: &crate::bank::Blueprint) -> sqlx::Result<Vec<TaskCoverage>> {
    let counts = sqlx::query!(
        r#"select task, count(*) as "n!" from questions where exam_code = $1 and retired_at is null group by task"#,
        bp.code
    )
    .fetch_all(pool)
    .await?;
    let needs = crate::bank::apportion::mock_needs(bp);
    let mut out = vec![];
    for (domain, per_task) in bp.domains.iter().zip(needs.per_task) {
        for (t, n) in domain.tasks.iter().zip(per_task) {
            out.push(TaskCoverage {
                task: t.id.clone(),
                title: t.title.clone(),
                domain: domain.number,
                live: counts.iter().find(|c| c.task == t.id).map(|c| c.n).unwrap_or(0),
                needed: n,
            });
        }
    }
    Ok(out)
}
