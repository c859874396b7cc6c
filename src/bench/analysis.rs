//! `mockexam bench analysis`: seeds N finished mocks of simulated candidates into a fresh database, then
//! times the item analysis (loading every answer and computing every figure), beside a bare baseline
//! measured in the same run: the same rows fetched with no analysis, and the analysis alone on data in
//! memory. Also [`seed`], the simulated candidates the tests use (one question's key planted wrong, one
//! distractor nobody picks).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::PgPool;
use uuid::Uuid;

use crate::authoring::item_stats::{self, Options};
use crate::db::Database;

#[derive(clap::Args, Debug, Clone)]
pub struct AnalysisArgs {
    /// Finished mocks to seed (one candidate each).
    #[arg(long, default_value_t = 10_000)]
    pub attempts: usize,
    #[arg(long, default_value = "question-bank")]
    pub bank: PathBuf,
    #[command(flatten)]
    pub db: crate::config::DatabaseArgs,
}

/// Questions to plant faults in: `wrong_key`'s stored key is not what able candidates choose; nobody
/// ever picks the last option of `dead_distractor`. Both are in every seeded attempt.
#[derive(Debug, Clone, Default)]
pub struct Plant {
    pub wrong_key: Option<String>,
    pub dead_distractor: Option<String>,
}

/// Seeds `n` candidates, each with one finished mock of the blueprint's question count drawn at random
/// from the live questions. A candidate of ability θ gets a question of difficulty b right with
/// probability 1 / (1 + e^(−1.7(θ − b))); wrong answers spread over the distractors. Deterministic for a
/// given `seed`.
pub async fn seed(pool: &PgPool, exam: &str, n: usize, plant: &Plant, seed: u64) -> anyhow::Result<()> {
    let bp =
        crate::bank::store::stored_blueprint(pool, exam).await?.ok_or_else(|| anyhow::anyhow!("no exam {exam}"))?;
    let questions = sqlx::query!(
        r#"select q.id, v.id as version_id, jsonb_array_length(v.options) as "options!", v.correct, v.difficulty
           from questions q join question_versions v on v.id = q.current_version_id
           where q.exam_code = $1 and q.status = 'live' order by q.id"#,
        exam
    )
    .fetch_all(pool)
    .await?;
    let count = bp.question_count as usize;
    anyhow::ensure!(questions.len() >= count, "the bank has too few live questions");
    let mut rng = StdRng::seed_from_u64(seed);
    let run = Uuid::new_v4().simple().to_string();
    let planted = |id: &str| plant.wrong_key.as_deref() == Some(id) || plant.dead_distractor.as_deref() == Some(id);
    let fixed: Vec<usize> = (0..questions.len()).filter(|&i| planted(&questions[i].id)).collect();
    let free: Vec<usize> = (0..questions.len()).filter(|&i| !planted(&questions[i].id)).collect();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let (mut users, mut attempts, mut emails) = (vec![], vec![], vec![]);
        let (mut a_ids, mut positions, mut versions, mut chosen, mut correct, mut seconds) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        let mut raw = vec![];
        for &c in chunk {
            let user = Uuid::new_v4();
            let attempt = Uuid::new_v4();
            users.push(user);
            attempts.push(attempt);
            emails.push(format!("sim-{c}-{run}@example.com"));
            let theta: f64 = normal(&mut rng);
            let mut picks = fixed.clone();
            picks.extend(free.choose_multiple(&mut rng, count - fixed.len()));
            picks.shuffle(&mut rng);
            let mut right = 0;
            for (pos, &i) in picks.iter().enumerate() {
                let q = &questions[i];
                let b = match q.difficulty.as_str() {
                    "easy" => -1.0,
                    "hard" => 1.0,
                    _ => 0.0,
                };
                let knows = rng.gen_bool(1.0 / (1.0 + (-1.7 * (theta - b)).exp()));
                let key: Vec<i32> = q.correct.clone();
                let options = q.options as i32;
                let wrong: Vec<i32> = (0..options).filter(|o| !key.contains(o)).collect();
                let pick: Vec<i32> = if plant.wrong_key.as_deref() == Some(q.id.as_str()) {
                    // Able candidates choose the first distractor: the stored key is wrong.
                    if knows {
                        vec![wrong[0]]
                    } else {
                        vec![*[key[0], wrong[1], wrong[2 % wrong.len()]].choose(&mut rng).unwrap()]
                    }
                } else if knows {
                    key.clone()
                } else {
                    let pool: &[i32] = if plant.dead_distractor.as_deref() == Some(q.id.as_str()) {
                        &wrong[..wrong.len() - 1]
                    } else {
                        &wrong
                    };
                    let mut p = vec![*pool.choose(&mut rng).unwrap()];
                    if key.len() > 1 {
                        p.push(key[0]);
                    }
                    p.sort();
                    p
                };
                let ok = {
                    let mut k = key.clone();
                    k.sort();
                    k == pick
                };
                right += i32::from(ok);
                a_ids.push(attempt);
                positions.push(pos as i32 + 1);
                versions.push(q.version_id);
                chosen.push(serde_json::to_string(&pick)?);
                correct.push(ok);
                seconds.push(rng.gen_range(20..240));
            }
            raw.push(right);
        }
        let mut tx = pool.begin().await?;
        sqlx::query!(
            "insert into users (id, email, password_hash) select * from unnest($1::uuid[], $2::text[], $3::text[])",
            &users,
            &emails,
            &vec!["!".to_string(); users.len()]
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "insert into attempts (id, user_id, exam_code, started_at, deadline, finished_at, finish_reason, question_count, raw_score)
             select a, u, $3, now() - interval '3 hours', now(), now(), 'submitted', $4, r
             from unnest($1::uuid[], $2::uuid[], $5::int[]) as t(a, u, r)",
            &attempts,
            &users,
            exam,
            count as i32,
            &raw
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "insert into attempt_items (attempt_id, position, question_version_id, option_order, chosen, answered_at, seconds_spent, correct)
             select a, p, v, '{}', array(select jsonb_array_elements_text(c::jsonb)::int), now(), s, k
             from unnest($1::uuid[], $2::int[], $3::bigint[], $4::text[], $5::int[], $6::bool[]) as t(a, p, v, c, s, k)",
            &a_ids,
            &positions,
            &versions,
            &chosen,
            &seconds,
            &correct
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let (u1, u2): (f64, f64) = (rng.r#gen::<f64>().max(1e-12), rng.r#gen());
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

pub async fn run(args: AnalysisArgs) -> anyhow::Result<ExitCode> {
    let Some(bank) = crate::bank::load_and_report(&args.bank) else { return Ok(ExitCode::FAILURE) };
    let exam = bank.exams.first().ok_or_else(|| anyhow::anyhow!("the bank has no exam"))?.blueprint.code.clone();
    let scratch = std::env::temp_dir().join(format!("mockexam-bench-analysis-{}", std::process::id()));
    let data_dir = if args.db.database_url.is_some() { args.db.data_dir.clone() } else { scratch.clone() };
    let database = Database::open(args.db.database_url.as_deref(), &data_dir).await?;
    crate::bank::sync::sync(&database.pool, &bank).await?;
    let started = Instant::now();
    seed(&database.pool, &exam, args.attempts, &Plant::default(), 7).await?;
    let seeded = started.elapsed();
    let pool = &database.pool;
    let o = Options::default();

    let mut full = vec![];
    let mut bare = vec![];
    let mut rows = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let report = item_stats::report(pool, &exam, &o).await?;
        full.push(t.elapsed());
        rows = report.items.len();
        let t = Instant::now();
        let answers = item_stats::load_answers(pool, &exam, &o).await?;
        let sum: i64 = answers.iter().map(|a| i64::from(a.correct) + a.chosen.len() as i64).sum();
        std::hint::black_box(sum);
        bare.push(t.elapsed());
    }
    let answers = item_stats::load_answers(pool, &exam, &o).await?.len();
    full.sort();
    bare.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("bench analysis: {} finished mocks, {answers} answers, {rows} questions analysed", args.attempts);
    println!("  seeding                     {:>8.0} ms (not measured below)", ms(seeded));
    println!(
        "  item analysis (load + stats) median {:>7.0} ms  min {:>7.0} ms  max {:>7.0} ms",
        ms(full[2]),
        ms(full[0]),
        ms(full[4])
    );
    println!(
        "  bare baseline (load only)    median {:>7.0} ms  min {:>7.0} ms  max {:>7.0} ms",
        ms(bare[2]),
        ms(bare[0]),
        ms(bare[4])
    );
    println!("  statistics alone (median difference) {:>6.0} ms", ms(full[2].saturating_sub(bare[2])));
    println!(
        "  target < 2000 ms for 10,000 x 65: {}",
        if full[2] < Duration::from_secs(2) { "met" } else { "NOT met" }
    );
    database.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(ExitCode::SUCCESS)
}
