//! The two requests a candidate makes 130 times a mock, each in one database statement (after the
//! session's own load): opening a question page, and saving an answer.
//!
//! Each statement checks the login (not signed out), the owner, that the attempt is open and in time,
//! does the bookkeeping, and returns everything the response needs. Whatever is unusual (signed out,
//! finished, overdue, a stale or forged answer, a position outside the exam) answers
//! [`Fast::Fallback`], and the caller takes the ordinary path, which finds out exactly what is wrong
//! and says so. The rules themselves stay in one place: progress counts go through
//! [`super::answers::is_incomplete`], choices through [`super::answers::to_file_indexes`].
//!
//! A save must map the shown positions to file indexes before it writes, which needs the item's
//! option order. Option orders never change after the mock is assembled, so [`Layouts`] keeps them
//! in memory per attempt (read once, on the first save this process sees).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

use super::answers::{ItemState, ItemView, is_incomplete, to_file_indexes};
use super::attempt::Attempt;
use crate::accounts::{Role, User};

pub enum Fast<T> {
    Done(T),
    /// Not the common case: take the ordinary path.
    Fallback,
}

/// What a question page shows.
pub struct Page {
    pub user: User,
    pub attempt: Attempt,
    pub item: ItemView,
    pub states: Vec<ItemState>,
}

fn states_from(chosen: &[i32], needed: &[i32], multiple: &[bool], flagged: &[bool]) -> Vec<ItemState> {
    (0..chosen.len())
        .map(|i| {
            let (c, n) = (chosen[i] as usize, needed.get(i).copied().unwrap_or(0) as usize);
            let m = multiple.get(i).copied().unwrap_or(false);
            let incomplete = is_incomplete(m, c, n);
            ItemState {
                position: i as i32 + 1,
                answered: c > 0 && !incomplete,
                incomplete,
                flagged: flagged.get(i).copied().unwrap_or(false),
                chosen: c,
                needed: n,
                first_words: String::new(),
            }
        })
        .collect()
}

/// Opens question `position` of an open attempt for login `login`: records the time spent on the
/// question the candidate leaves and that this one is now current, and reads the page.
pub async fn open_page(
    pool: &PgPool,
    layouts: &Layouts,
    login: Uuid,
    attempt_id: Uuid,
    position: i32,
    grace: Duration,
) -> sqlx::Result<Fast<Page>> {
    let layout = layouts.get(pool, attempt_id).await?;
    // Time-spent and position bookkeeping need not wait for the disk: a crash loses at most the last
    // fraction of a second of it (never an answer: saves commit synchronously).
    let r = sqlx::query!(
        r#"with me as (
             select u.id, u.email, u.role from logins l join users u on u.id = l.user_id
             where l.id = $1 and l.revoked_at is null),
           live as (
             select a.*, greatest(0, ceil(extract(epoch from a.deadline - now())))::bigint as remaining
             from attempts a
             where a.id = $2 and a.user_id = (select id from me) and a.finished_at is null
               and a.deadline + make_interval(secs => $4) >= now() and $3 between 1 and a.question_count),
           spent as (
             update attempt_items ai
                set seconds_spent = ai.seconds_spent
                    + greatest(0, extract(epoch from least(now(), l.deadline) - l.current_since))::int
               from live l where ai.attempt_id = l.id and ai.position = l.current_position
             returning 1),
           moved as (
             update attempts set current_position = $3, current_since = now()
             where id = (select id from live) returning 1),
           items as (
             select ai.position, cardinality(ai.chosen) as chosen, ai.flagged
             from attempt_items ai where ai.attempt_id = (select id from live)),
           cur as (
             select ai.option_order, ai.chosen, ai.flagged, ai.revision, v.stem_html, v.multiple, v.options,
                    cardinality(v.correct) as needed
             from attempt_items ai join question_versions v on v.id = ai.question_version_id
             where ai.attempt_id = (select id from live) and ai.position = $3)
           select me.id as "user_id!", me.email as "email!", me.role as "role!",
                  l.exam_code as "exam_code!", l.started_at as "started_at!", l.deadline as "deadline!",
                  l.question_count as "question_count!", l.extra_minutes as "extra_minutes!",
                  l.remaining as "remaining!",
                  i.option_order as "option_order!", i.chosen as "chosen!", i.flagged as "flagged!",
                  i.revision as "revision!", i.stem_html as "stem_html!", i.multiple as "multiple!",
                  i.needed as "needed!",
                  array(select o->>'text_html' from jsonb_array_elements(i.options) o) as "texts!: Vec<String>",
                  (select array_agg(chosen order by position) from items) as "all_chosen!: Vec<i32>",
                  (select array_agg(flagged order by position) from items) as "all_flagged!: Vec<bool>",
                  (select count(*) from spent) + (select count(*) from moved) as "touched!",
                  set_config('synchronous_commit', 'off', true) as "async_commit!"
           from me join live l on true join cur i on true"#,
        login,
        attempt_id,
        position,
        grace.as_secs_f64()
    )
    .fetch_optional(pool)
    .await?;
    let Some(r) = r else { return Ok(Fast::Fallback) };
    let shown: Vec<usize> = r.option_order.iter().map(|&i| i as usize).collect();
    let user = User { id: r.user_id, email: r.email, role: Role::parse(&r.role).unwrap_or(Role::Student) };
    let attempt = Attempt {
        id: attempt_id,
        exam_code: r.exam_code,
        started_at: r.started_at,
        deadline: r.deadline,
        finished_at: None,
        finish_reason: None,
        current_position: position,
        question_count: r.question_count,
        scored_count: None,
        raw_score: None,
        scaled_score: None,
        passed: None,
        extra_minutes: r.extra_minutes,
        remaining_seconds: r.remaining,
    };
    let item = ItemView {
        position,
        stem_html: r.stem_html,
        options: shown.iter().map(|&i| r.texts.get(i).cloned().unwrap_or_default()).collect(),
        chosen: r.chosen.iter().filter_map(|c| shown.iter().position(|&s| s == *c as usize)).collect(),
        flagged: r.flagged,
        multiple: r.multiple,
        correct_count: r.needed as usize,
        revision: r.revision,
    };
    let states = states_of(&layout, &r.all_chosen, &r.all_flagged);
    Ok(Fast::Done(Page { user, attempt, item, states }))
}

/// What never changes about an item once the mock is assembled: the option order (file index shown
/// k-th), whether it is multiple response, and how many options its key has.
#[derive(Clone, Default)]
struct Slot {
    order: Vec<i32>,
    multiple: bool,
    needed: i32,
}

/// The slots of an attempt, by position (1-based; index 0 unused).
type Layout = Arc<Vec<Slot>>;

fn states_of(layout: &[Slot], chosen: &[i32], flagged: &[bool]) -> Vec<ItemState> {
    let slots = layout.get(1..).unwrap_or_default();
    let needed: Vec<i32> = slots.iter().map(|s| s.needed).collect();
    let multiple: Vec<bool> = slots.iter().map(|s| s.multiple).collect();
    states_from(chosen, &needed, &multiple, flagged)
}

/// Attempts' layouts, kept in memory. Bounded: beyond `MAX` attempts it starts afresh (a miss only
/// costs one read).
#[derive(Default)]
pub struct Layouts(Mutex<HashMap<Uuid, Layout>>);

impl Layouts {
    const MAX: usize = 20_000;

    async fn get(&self, pool: &PgPool, attempt_id: Uuid) -> sqlx::Result<Layout> {
        if let Some(l) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&attempt_id) {
            return Ok(l.clone());
        }
        let rows = sqlx::query!(
            r#"select ai.position, ai.option_order, v.multiple, cardinality(v.correct) as "needed!"
               from attempt_items ai join question_versions v on v.id = ai.question_version_id
               where ai.attempt_id = $1 order by ai.position"#,
            attempt_id
        )
        .fetch_all(pool)
        .await?;
        let mut layout = vec![Slot::default(); rows.len() + 1];
        for r in rows {
            if let Some(slot) = layout.get_mut(r.position as usize) {
                *slot = Slot { order: r.option_order, multiple: r.multiple, needed: r.needed };
            }
        }
        let layout = Arc::new(layout);
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if all.len() >= Self::MAX {
            all.clear();
        }
        all.insert(attempt_id, layout.clone());
        Ok(layout)
    }
}

/// What a saved answer tells the page.
pub struct Saved {
    pub revision: i32,
    pub states: Vec<ItemState>,
}

/// Saves an answer of login `login` in one statement: the login, the owner, an open attempt in time
/// (its row locked against a concurrent finish), the page's revision; the write; the new progress.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    pool: &PgPool,
    layouts: &Layouts,
    login: Uuid,
    attempt_id: Uuid,
    position: i32,
    shown: &[usize],
    flagged: bool,
    revision: Option<i32>,
    grace: Duration,
) -> sqlx::Result<Fast<Saved>> {
    let layout = layouts.get(pool, attempt_id).await?;
    let Some(slot) = layout.get(position as usize).filter(|_| position >= 1) else {
        return Ok(Fast::Fallback);
    };
    let Ok(chosen) = to_file_indexes(shown, &slot.order, slot.multiple) else { return Ok(Fast::Fallback) };
    let r = sqlx::query!(
        r#"with me as (
             select u.id from logins l join users u on u.id = l.user_id where l.id = $1 and l.revoked_at is null),
           live as (
             select a.id from attempts a
             where a.id = $2 and a.user_id = (select id from me) and a.finished_at is null
               and a.deadline + make_interval(secs => $7) >= now()
             for update),
           upd as (
             update attempt_items set chosen = $4, flagged = $5, revision = revision + 1,
                    answered_at = case when chosen is distinct from $4 then now() else answered_at end
             where attempt_id = (select id from live) and position = $3 and ($6::int is null or revision = $6)
             returning revision),
           items as (
             select ai.position,
                    case when ai.position = $3 then cardinality($4::int[]) else cardinality(ai.chosen) end as chosen,
                    case when ai.position = $3 then $5 else ai.flagged end as flagged
             from attempt_items ai where ai.attempt_id = (select id from live))
           select u.revision as "revision!",
                  (select array_agg(chosen order by position) from items) as "all_chosen!: Vec<i32>",
                  (select array_agg(flagged order by position) from items) as "all_flagged!: Vec<bool>"
           from upd u"#,
        login,
        attempt_id,
        position,
        &chosen,
        flagged,
        revision,
        grace.as_secs_f64()
    )
    .fetch_optional(pool)
    .await?;
    let Some(r) = r else { return Ok(Fast::Fallback) };
    let states = states_of(&layout, &r.all_chosen, &r.all_flagged);
    Ok(Fast::Done(Saved { revision: r.revision, states }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn progress_states_follow_the_incomplete_rule() {
        let s =
            super::states_from(&[0, 1, 2, 1], &[1, 1, 2, 2], &[false, false, true, true], &[true, false, false, false]);
        assert_eq!(s.len(), 4);
        assert!(!s[0].answered && s[0].flagged);
        assert!(s[1].answered && s[2].answered);
        assert!(s[3].incomplete && !s[3].answered);
        assert_eq!(s[3].position, 4);
    }
}
