//! `mockexam bench progress`: the progress page of a candidate with 50 finished mocks and 5,000 drill
//! answers, and the cohort page of 200 members, served by the real app (`mockexam serve` as a child
//! process) and timed from a client, beside the app's `/healthz` (one `select 1`) measured in the same run
//! as the bare baseline.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use sqlx::PgPool;
use uuid::Uuid;

use super::load::{App, Browser, PASSWORD, database_url, sign_in};
use crate::db::Database;

#[derive(clap::Args, Debug, Clone)]
pub struct ProgressArgs {
    /// Finished mocks of the measured candidate.
    #[arg(long, default_value_t = 50)]
    pub mocks: usize,
    /// Drill answers of the measured candidate.
    #[arg(long, default_value_t = 5000)]
    pub drill_answers: usize,
    /// Members of the measured cohort (each with one finished mock).
    #[arg(long, default_value_t = 200)]
    pub members: usize,
    /// Requests timed per page.
    #[arg(long, default_value_t = 30)]
    pub requests: usize,
    #[arg(long, default_value = "question-bank")]
    pub bank: PathBuf,
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
}

async fn user(pool: &PgPool, email: &str, role: &str, hash: &str) -> anyhow::Result<Uuid> {
    Ok(sqlx::query_scalar!(
        "insert into users (id, email, password_hash, role) values (gen_random_uuid(), $1, $2, $3) returning id",
        email,
        hash,
        role
    )
    .fetch_one(pool)
    .await?)
}

/// `mocks` finished mocks of 65 random live questions over the last months, and drills holding
/// `drill_answers` checked answers, for one candidate.
async fn seed_candidate(
    pool: &PgPool,
    exam: &str,
    who: Uuid,
    mocks: usize,
    drill_answers: usize,
) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into attempts (id, user_id, exam_code, started_at, deadline, finished_at, finish_reason, question_count,
                               scored_count, raw_score, scaled_score, passed)
         select gen_random_uuid(), $1, $2, now() - make_interval(days => 2 * g) - interval '3 hours',
                now() - make_interval(days => 2 * g), now() - make_interval(days => 2 * g), 'submitted', 65, 65,
                30 + g % 25, 500 + 8 * (g % 40), false
         from generate_series(1, $3::int) g",
        who,
        exam,
        mocks as i32
    )
    .execute(pool)
    .await?;
    sqlx::query!(
        "insert into attempt_items (attempt_id, position, question_version_id, option_order, chosen, answered_at,
                                    seconds_spent, correct)
         select a.id, q.n, q.current_version_id, '{0,1,2,3}', '{0}', a.finished_at, (random() * 240)::int, random() < 0.7
         from attempts a cross join lateral (
             select current_version_id, row_number() over () as n
             from (select current_version_id from questions where exam_code = $2 and status = 'live'
                   order by md5(a.id::text || id) limit 65) x) q
         where a.user_id = $1",
        who,
        exam
    )
    .execute(pool)
    .await?;
    let drills = drill_answers.div_ceil(50);
    sqlx::query!(
        "insert into drills (id, user_id, exam_code, scope_kind, title, question_count, started_at, last_active_at, finished_at,
                             finish_reason)
         select gen_random_uuid(), $1, $2, 'due', 'bench', 50, now() - make_interval(days => g % 90), now(), now(), 'completed'
         from generate_series(1, $3::int) g",
        who,
        exam,
        drills as i32
    )
    .execute(pool)
    .await?;
    sqlx::query!(
        "insert into drill_items (drill_id, position, question_version_id, option_order, chosen, confidence, correct,
                                  answered_at, seconds_spent)
         select d.id, q.n, q.current_version_id, '{0,1,2,3}', '{0}', 'unsure', random() < 0.65, d.started_at, 45
         from drills d cross join lateral (
             select current_version_id, row_number() over () as n
             from (select current_version_id from questions where exam_code = $2 and status = 'live'
                   order by md5(d.id::text || id) limit 50) x) q
         where d.user_id = $1",
        who,
        exam
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Median and 95th percentile of `n` GETs of `path`, in milliseconds.
async fn time(b: &mut Browser, path: &str, n: usize) -> anyhow::Result<(f64, f64)> {
    let first = b.get("warm-up", path).await?;
    anyhow::ensure!(first.status.is_success(), "GET {path} answered {}", first.status);
    let mut ms = vec![];
    for _ in 0..n {
        let started = Instant::now();
        let res = b.get("timed", path).await?;
        ms.push(started.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(res.status.is_success(), "GET {path} answered {}", res.status);
    }
    ms.sort_by(f64::total_cmp);
    Ok((ms[ms.len() / 2], ms[((ms.len() - 1) as f64 * 0.95).round() as usize]))
}

pub async fn run(args: ProgressArgs) -> anyhow::Result<ExitCode> {
    let Some(bank) = crate::bank::load_and_report(&args.bank) else { return Ok(ExitCode::FAILURE) };
    let exam = bank.exams.first().ok_or_else(|| anyhow::anyhow!("the bank has no exam"))?.blueprint.code.clone();
    let scratch = std::env::temp_dir().join(format!("mockexam-bench-progress-{}", std::process::id()));
    let data_dir = if args.db.database_url.is_some() { args.db.data_dir.clone() } else { scratch.clone() };
    let database = Database::open(args.db.database_url.as_deref(), &data_dir).await?;
    let pool = &database.pool;
    crate::bank::sync::sync(pool, &bank).await?;
    let hash = crate::accounts::password::hash(
        crate::accounts::NewPassword::parse(PASSWORD, "x@example.com").map_err(anyhow::Error::msg)?,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let run = Uuid::new_v4().simple().to_string();
    let (candidate_email, teacher_email) =
        (format!("progress-{run}@example.com"), format!("teacher-{run}@example.com"));
    let started = Instant::now();
    let candidate = user(pool, &candidate_email, "student", &hash).await?;
    seed_candidate(pool, &exam, candidate, args.mocks, args.drill_answers).await?;
    let teacher = user(pool, &teacher_email, "instructor", &hash).await?;
    let cohort = crate::progress::store::create_cohort(pool, teacher, &exam, "bench cohort").await?;
    let before: Vec<Uuid> = sqlx::query_scalar!("select id from users").fetch_all(pool).await?;
    super::analysis::seed(pool, &exam, args.members, &super::analysis::Plant::default(), 3).await?;
    sqlx::query!(
        "insert into cohort_members (cohort_id, user_id) select $1, id from users where not (id = any($2))",
        cohort.id,
        &before
    )
    .execute(pool)
    .await?;
    let seeded = started.elapsed();

    let mut app = App::start(&args.bank, &database_url(&database)?, crate::db::default_pool_size())?;
    let base = format!("http://{}", app.addr);
    let mut b = Browser::alone(base.clone(), "10.9.0.1");
    sign_in(&mut b, &candidate_email).await?;
    let progress = time(&mut b, &format!("/progress?exam={exam}"), args.requests).await?;
    let bare = time(&mut b, "/healthz", args.requests).await?;
    let mut t = Browser::alone(base, "10.9.0.2");
    sign_in(&mut t, &teacher_email).await?;
    let cohort_page = time(&mut t, &format!("/instructor/cohorts/{}", cohort.id), args.requests).await?;
    app.stop();
    database.close().await;
    let _ = std::fs::remove_dir_all(&scratch);

    let ok = |ms: f64, target: f64| if ms < target { "met" } else { "NOT met" };
    println!(
        "bench progress: a candidate with {} finished mocks and {} drill answers; a cohort of {} members",
        args.mocks, args.drill_answers, args.members
    );
    println!("  seeding                         {:>8.0} ms (not measured below)", seeded.as_secs_f64() * 1e3);
    println!("  GET /progress                   median {:>7.1} ms  p95 {:>7.1} ms", progress.0, progress.1);
    println!("  GET /instructor/cohorts/{{id}}    median {:>7.1} ms  p95 {:>7.1} ms", cohort_page.0, cohort_page.1);
    println!("  bare baseline GET /healthz      median {:>7.1} ms  p95 {:>7.1} ms", bare.0, bare.1);
    println!("  targets: progress < 100 ms {}; cohort < 300 ms {}", ok(progress.0, 100.0), ok(cohort_page.0, 300.0));
    Ok(ExitCode::SUCCESS)
}
