//! Taking an attempt: one question as the candidate sees it (no key), the progress of every question,
//! the time spent on each, and saving an answer under the server-held deadline.
//!
//! A save locks the attempt row first (`for update`), so it cannot race the finish of the same attempt.

use std::time::Duration;

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::ExamError;
use super::finish::{Finish, finish_locked};
use crate::bank::Blueprint;

/// One question as the candidate sees it during the attempt: no key, no rationale, no explanation.
#[derive(Debug, Clone)]
pub struct ItemView {
    pub position: i32,
    pub stem_html: String,
    /// Option texts (HTML) in the order shown.
    pub options: Vec<String>,
    /// Shown positions (0-based) of the chosen options.
    pub chosen: Vec<usize>,
    pub flagged: bool,
    pub multiple: bool,
    pub correct_count: usize,
    /// Bumped by every save; the page sends it back so a stale tab cannot overwrite a newer answer.
    pub revision: i32,
}

impl ItemView {
    /// A multiple-response answer with the wrong number of options (scored wrong).
    pub fn is_incomplete(&self) -> bool {
        is_incomplete(self.multiple, self.chosen.len(), self.correct_count)
    }
}

/// Some options chosen, but not as many as a multiple-response question asks for. Saving such an
/// answer is allowed (as in the real exam), but it cannot score, so the candidate is told.
pub fn is_incomplete(multiple: bool, chosen: usize, needed: usize) -> bool {
    multiple && chosen > 0 && chosen != needed
}

pub async fn item(pool: &PgPool, attempt_id: Uuid, position: i32) -> Result<ItemView, ExamError> {
    let r = sqlx::query!(
        r#"select ai.position, ai.option_order, ai.chosen, ai.flagged, ai.revision, v.stem_html, v.multiple,
                  cardinality(v.correct) as "correct_count!",
                  array(select o->>'text_html' from jsonb_array_elements(v.options) o) as "texts!: Vec<String>"
           from attempt_items ai join question_versions v on v.id = ai.question_version_id
           where ai.attempt_id = $1 and ai.position = $2"#,
        attempt_id,
        position
    )
    .fetch_optional(pool)
    .await?
    .ok_or(ExamError::NotFound)?;
    let shown: Vec<usize> = r.option_order.iter().map(|&i| i as usize).collect();
    Ok(ItemView {
        position: r.position,
        stem_html: r.stem_html,
        options: shown.iter().map(|&i| r.texts.get(i).cloned().unwrap_or_default()).collect(),
        chosen: r.chosen.iter().filter_map(|c| shown.iter().position(|&s| s == *c as usize)).collect(),
        flagged: r.flagged,
        multiple: r.multiple,
        correct_count: r.correct_count as usize,
        revision: r.revision,
    })
}

/// Per position, for the progress bar and the review screen: answered (completely)? incomplete (a
/// multiple-response answer with the wrong number of options)? flagged? and the stem's first words.
#[derive(Debug, Clone)]
pub struct ItemState {
    pub position: i32,
    pub answered: bool,
    pub incomplete: bool,
    pub flagged: bool,
    pub chosen: usize,
    pub needed: usize,
    pub first_words: String,
}

/// The first `n` words of a Markdown stem, without its markup (for the review screen).
pub fn first_words(stem_md: &str, n: usize) -> String {
    let plain: String = stem_md.chars().filter(|c| !matches!(c, '*' | '_' | '`' | '#' | '>' | '[' | ']')).collect();
    let words: Vec<&str> = plain.split_whitespace().collect();
    let mut out = words.iter().take(n).copied().collect::<Vec<_>>().join(" ");
    if words.len() > n {
        out.push('…');
    }
    out
}

pub async fn states(pool: &PgPool, attempt_id: Uuid) -> sqlx::Result<Vec<ItemState>> {
    let rows = sqlx::query!(
        r#"select ai.position, cardinality(ai.chosen) as "chosen!", ai.flagged, v.multiple,
                  cardinality(v.correct) as "needed!", left(v.stem_md, 300) as "stem!"
           from attempt_items ai join question_versions v on v.id = ai.question_version_id
           where ai.attempt_id = $1 order by ai.position"#,
        attempt_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (chosen, needed) = (r.chosen as usize, r.needed as usize);
            let incomplete = is_incomplete(r.multiple, chosen, needed);
            ItemState {
                position: r.position,
                answered: chosen > 0 && !incomplete,
                incomplete,
                flagged: r.flagged,
                chosen,
                needed,
                first_words: first_words(&r.stem, 12),
            }
        })
        .collect())
}

/// Records that the candidate is now looking at `position`: the time since the last move is added
/// to the question they were on (never past the deadline), and resume will reopen this one.
pub async fn visit(pool: &PgPool, attempt_id: Uuid, position: i32) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    account_time(&mut tx, attempt_id).await?;
    sqlx::query!(
        "update attempts set current_position = $2, current_since = now() where id = $1 and finished_at is null",
        attempt_id,
        position
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub(super) async fn account_time(tx: &mut Transaction<'_, Postgres>, attempt_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update attempt_items ai
            set seconds_spent = ai.seconds_spent
                + greatest(0, extract(epoch from least(now(), a.deadline) - a.current_since))::int
           from attempts a
          where a.id = $1 and a.finished_at is null and ai.attempt_id = a.id and ai.position = a.current_position",
        attempt_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What the candidate sent for one question: the chosen options (shown positions, 0-based), the flag,
/// and the revision of the item the page showed (`None`: overwrite whatever is stored).
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub position: i32,
    pub chosen: &'a [usize],
    pub flagged: bool,
    pub revision: Option<i32>,
}

/// Saves one question's answer and returns the item's new revision. Refused when the attempt is
/// finished, when the deadline plus `grace` has passed (which finishes it), or when the page's revision
/// is older than the stored one (`Stale`: another tab saved in between; nothing is overwritten).
pub async fn save(
    pool: &PgPool,
    attempt_id: Uuid,
    user_id: Uuid,
    answer: Answer<'_>,
    grace: Duration,
    blueprint: &Blueprint,
) -> Result<i32, ExamError> {
    let Answer { position, chosen: chosen_shown, flagged, revision } = answer;
    let mut tx = pool.begin().await?;
    let a = sqlx::query!(
        r#"select finished_at is not null as "finished!",
                  deadline + make_interval(secs => $3) >= now() as "in_time!"
           from attempts where id = $1 and user_id = $2 for update"#,
        attempt_id,
        user_id,
        grace.as_secs_f64()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ExamError::NotFound)?;
    if a.finished {
        return Err(ExamError::Finished);
    }
    if !a.in_time {
        finish_locked(&mut tx, attempt_id, Finish::Timeout, blueprint).await?;
        tx.commit().await?;
        return Err(ExamError::Late);
    }
    let item = sqlx::query!(
        r#"select ai.option_order, ai.revision, v.multiple from attempt_items ai
           join question_versions v on v.id = ai.question_version_id
           where ai.attempt_id = $1 and ai.position = $2"#,
        attempt_id,
        position
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ExamError::NotFound)?;
    let chosen = to_file_indexes(chosen_shown, &item.option_order, item.multiple).map_err(ExamError::InvalidAnswer)?;
    if revision.is_some_and(|seen| seen != item.revision) {
        return Err(ExamError::Stale);
    }
    let revision = sqlx::query_scalar!(
        "update attempt_items set chosen = $3, flagged = $4, revision = revision + 1,
                answered_at = case when chosen is distinct from $3 then now() else answered_at end
         where attempt_id = $1 and position = $2
         returning revision",
        attempt_id,
        position,
        &chosen,
        flagged
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(revision)
}

/// One `choice` field of an answer form: a shown position (0-based). Mocks and drills read it alike.
pub fn parse_choice(value: &str) -> Result<usize, &'static str> {
    value.parse().map_err(|_| "That option is not part of this question.")
}

/// Maps shown positions to file indexes, refusing anything a real form could not send.
pub fn to_file_indexes(shown: &[usize], option_order: &[i32], multiple: bool) -> Result<Vec<i32>, String> {
    if !multiple && shown.len() > 1 {
        return Err("This question takes one answer.".into());
    }
    let mut out = Vec::with_capacity(shown.len());
    for &s in shown {
        let file_index = *option_order.get(s).ok_or("That option is not part of this question.")?;
        if out.contains(&file_index) {
            return Err("The same option was sent twice.".into());
        }
        out.push(file_index);
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::to_file_indexes;

    #[test]
    fn shown_positions_map_to_file_indexes() {
        assert_eq!(to_file_indexes(&[0], &[2, 0, 3, 1], false), Ok(vec![2]));
        assert_eq!(to_file_indexes(&[3, 1], &[2, 0, 3, 1, 4], true), Ok(vec![0, 1]));
        assert_eq!(to_file_indexes(&[], &[2, 0, 3, 1], false), Ok(vec![]));
    }

    #[test]
    fn incomplete_means_a_multiple_response_answer_of_the_wrong_size() {
        use super::is_incomplete;
        assert!(is_incomplete(true, 1, 2) && is_incomplete(true, 3, 2));
        assert!(!is_incomplete(true, 2, 2) && !is_incomplete(true, 0, 2) && !is_incomplete(false, 1, 1));
    }

    #[test]
    fn first_words_drop_markup() {
        assert_eq!(super::first_words("A **retailer** streams `JSON` events", 3), "A retailer streams…");
        assert_eq!(super::first_words("Short.", 12), "Short.");
    }

    #[test]
    fn forged_choices_are_refused() {
        assert!(to_file_indexes(&[4], &[2, 0, 3, 1], false).is_err());
        assert!(to_file_indexes(&[0, 1], &[2, 0, 3, 1], false).is_err());
        assert!(to_file_indexes(&[1, 1], &[2, 0, 3, 1, 4], true).is_err());
    }
}
