//! Each candidate's FSRS memory of each question, in `review_states`: written by every checked drill
//! answer and by every finished mock (inside that transaction), read to find what is due. The maths is
//! [`super::schedule`]'s; this only loads, applies and stores.

use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::schedule::{self, Memory, Rating};

/// One answer to record: the question (by id, across its versions) and its rating.
#[derive(Debug, Clone)]
pub struct Review {
    pub question_id: String,
    pub rating: Rating,
}

/// Applies the reviews to the candidate's memory at `now`, with their desired retention.
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    user_id: Uuid,
    exam: &str,
    reviews: &[Review],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    if reviews.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = reviews.iter().map(|r| r.question_id.clone()).collect();
    let retention =
        sqlx::query_scalar!("select desired_retention from users where id = $1", user_id).fetch_one(&mut **tx).await?;
    let rows = sqlx::query!(
        "select question_id, stability, difficulty, due_at, last_review_at, last_rating, reviews, lapses
         from review_states where user_id = $1 and exam_code = $2 and question_id = any($3)
         for update",
        user_id,
        exam,
        &ids
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut after: Vec<(String, Memory)> = Vec::with_capacity(reviews.len());
    for review in reviews {
        let before = after.iter().rev().find(|(id, _)| *id == review.question_id).map(|(_, m)| *m).or_else(|| {
            rows.iter().find(|r| r.question_id == review.question_id).map(|r| Memory {
                stability: r.stability,
                difficulty: r.difficulty,
                last_review: r.last_review_at,
                due: r.due_at,
                reviews: r.reviews,
                lapses: r.lapses,
                last_rating: Rating::from_number(r.last_rating).unwrap_or(Rating::Good),
            })
        });
        let memory = schedule::review(before.as_ref(), review.rating, now, retention);
        after.retain(|(id, _)| *id != review.question_id);
        after.push((review.question_id.clone(), memory));
    }
    let ids: Vec<String> = after.iter().map(|(id, _)| id.clone()).collect();
    let stability: Vec<f64> = after.iter().map(|(_, m)| m.stability).collect();
    let difficulty: Vec<f64> = after.iter().map(|(_, m)| m.difficulty).collect();
    let due: Vec<OffsetDateTime> = after.iter().map(|(_, m)| m.due).collect();
    let last: Vec<OffsetDateTime> = after.iter().map(|(_, m)| m.last_review).collect();
    let rating: Vec<i16> = after.iter().map(|(_, m)| m.last_rating as i16).collect();
    let count: Vec<i32> = after.iter().map(|(_, m)| m.reviews).collect();
    let lapses: Vec<i32> = after.iter().map(|(_, m)| m.lapses).collect();
    sqlx::query!(
        "insert into review_states
           (user_id, exam_code, question_id, stability, difficulty, due_at, last_review_at, last_rating, reviews, lapses)
         select $1, $2, * from unnest($3::text[], $4::float8[], $5::float8[], $6::timestamptz[], $7::timestamptz[],
                                      $8::int2[], $9::int4[], $10::int4[])
         on conflict (user_id, exam_code, question_id) do update set
           stability = excluded.stability, difficulty = excluded.difficulty, due_at = excluded.due_at,
           last_review_at = excluded.last_review_at, last_rating = excluded.last_rating,
           reviews = excluded.reviews, lapses = excluded.lapses",
        user_id,
        exam,
        &ids,
        &stability,
        &difficulty,
        &due,
        &last,
        &rating,
        &count,
        &lapses
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A just-scored mock attempt: every scored question (pilots are not drilled) counts as one review, right → Good (a mock answer has no
/// confidence), wrong or unanswered → Again. Called inside the transaction that finishes the attempt.
pub async fn record_attempt(tx: &mut Transaction<'_, Postgres>, attempt_id: Uuid) -> sqlx::Result<()> {
    let rows = sqlx::query!(
        r#"select a.user_id, a.exam_code, v.question_id, coalesce(ai.correct, false) as "correct!",
                  coalesce(a.finished_at, now()) as "at!"
           from attempt_items ai join attempts a on a.id = ai.attempt_id
           join question_versions v on v.id = ai.question_version_id
           where ai.attempt_id = $1 and ai.scored order by ai.position"#,
        attempt_id
    )
    .fetch_all(&mut **tx)
    .await?;
    let Some(first) = rows.first() else { return Ok(()) };
    let (user_id, exam, at) = (first.user_id, first.exam_code.clone(), first.at);
    let reviews: Vec<Review> = rows
        .iter()
        .map(|r| Review { question_id: r.question_id.clone(), rating: schedule::rating(r.correct, None) })
        .collect();
    record(tx, user_id, &exam, &reviews, at).await
}
