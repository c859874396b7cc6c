//! Throttling of sign-ins and sign-ups, shared by all app processes through PostgreSQL.
//!
//! **Sign-in.** Every attempt is recorded *before* its password is checked, under a per-account and a
//! per-address advisory lock, and deleted again when the password was right (or the server was too
//! busy to check it); so parallel guesses are
//! counted one by one and none slips past the limit. The rules ([`decide`], a pure function):
//! - per account: the first [`FREE_FAILURES`] failures in [`WINDOW_SECONDS`] cost nothing; after that
//!   each attempt must wait a backoff that doubles per failure, capped at [`MAX_BACKOFF_SECONDS`]. An
//!   attacker gets a handful of guesses a minute, and nobody is ever locked out for longer than that;
//! - per address: at most [`MAX_PER_ADDRESS`] attempts in a minute from one address;
//! - a browser that has signed in to the account before (it carries a "known device" cookie) is
//!   judged only by the failures made from the owner's known devices, and not by its address, so a
//!   flood by someone else (even from the same shared address) does not keep the owner out.
//!
//! **Sign-up.** At most [`MAX_SIGN_UPS`] accounts per address per [`SIGN_UP_WINDOW_SECONDS`] (the
//! `sign_ups_per_address` setting), counted the same atomic way.

use std::net::IpAddr;

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

pub const FREE_FAILURES: i64 = 5;
pub const MAX_BACKOFF_SECONDS: f64 = 60.0;
pub const WINDOW_SECONDS: f64 = 15.0 * 60.0;
pub const MAX_PER_ADDRESS: i64 = 30;
pub const MAX_SIGN_UPS: i64 = 5;
pub const SIGN_UP_WINDOW_SECONDS: f64 = 10.0 * 60.0;
pub const DEVICE_COOKIE: &str = "mockexam_device";

/// What the recent record says about one sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recent {
    /// Failures (and attempts in flight) against this account that count for this browser: those from
    /// known devices when it is one, else those from unknown browsers.
    pub account_failures: i64,
    /// Seconds since the latest of those.
    pub since_last_failure: Option<f64>,
    /// Attempts from this address in the last minute (ignored for a known device).
    pub address_attempts: i64,
    pub known_device: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    Allow,
    /// Refuse; try again after this many seconds.
    Wait(u32),
}

/// The backoff after `failures` failures: none for the first few, then 1, 2, 4, ... seconds, capped.
pub fn backoff_seconds(failures: i64) -> f64 {
    if failures < FREE_FAILURES {
        return 0.0;
    }
    let doublings = (failures - FREE_FAILURES).min(16) as i32;
    2f64.powi(doublings).min(MAX_BACKOFF_SECONDS)
}

pub fn decide(r: Recent) -> Decision {
    if !r.known_device && r.address_attempts >= MAX_PER_ADDRESS {
        return Decision::Wait(60);
    }
    let wait = backoff_seconds(r.account_failures) - r.since_last_failure.unwrap_or(f64::INFINITY);
    if wait > 0.0 { Decision::Wait(wait.ceil() as u32) } else { Decision::Allow }
}

/// An attempt on record (counted as a failure until [`not_a_failure`] removes it).
pub struct Attempt(i64);

/// Counts this attempt atomically and decides: `Ok(attempt)` to go on and check the password,
/// `Err(seconds)` to refuse with 429 and `Retry-After`.
pub async fn begin(pool: &PgPool, email: &str, ip: IpAddr, known_device: bool) -> sqlx::Result<Result<Attempt, u32>> {
    let ip = ip.to_string();
    let mut tx = pool.begin().await?;
    // Always account, then address: one order, so two attempts never wait on each other in a cycle.
    sqlx::query!("select pg_advisory_xact_lock(hashtextextended('sign-in account ' || $1, 0))", email)
        .execute(&mut *tx)
        .await?;
    if !known_device {
        sqlx::query!("select pg_advisory_xact_lock(hashtextextended('sign-in address ' || $1, 0))", ip)
            .execute(&mut *tx)
            .await?;
    }
    let row = sqlx::query!(
        r#"select
             (select count(*) from sign_in_failures
               where email = $1 and known_device = $3 and at > now() - make_interval(secs => $4)) as "failures!",
             (select extract(epoch from now() - max(at))::float8 from sign_in_failures
               where email = $1 and known_device = $3 and at > now() - make_interval(secs => $4)) as since_last,
             (select count(*) from sign_in_failures
               where ip = $2 and not known_device and at > now() - interval '1 minute') as "by_address!""#,
        email,
        ip,
        known_device,
        WINDOW_SECONDS
    )
    .fetch_one(&mut *tx)
    .await?;
    let recent = Recent {
        account_failures: row.failures,
        since_last_failure: row.since_last,
        address_attempts: row.by_address,
        known_device,
    };
    if let Decision::Wait(seconds) = decide(recent) {
        tx.commit().await?;
        return Ok(Err(seconds));
    }
    let id = sqlx::query_scalar!(
        "insert into sign_in_failures (email, ip, known_device) values ($1, $2, $3) returning id",
        email,
        ip,
        known_device
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(Attempt(id)))
}

/// The password was right, or could not be checked: the attempt was not a failed guess.
pub async fn not_a_failure(pool: &PgPool, attempt: Attempt) -> sqlx::Result<()> {
    sqlx::query!("delete from sign_in_failures where id = $1", attempt.0).execute(pool).await?;
    Ok(())
}

/// Counts a sign-up from `ip` atomically: `Err(seconds)` when the address has made `limit` already.
pub async fn begin_sign_up(pool: &PgPool, ip: IpAddr, limit: i64) -> sqlx::Result<Result<(), u32>> {
    let ip = ip.to_string();
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock(hashtextextended('sign-up address ' || $1, 0))", ip)
        .execute(&mut *tx)
        .await?;
    let recent = sqlx::query_scalar!(
        r#"select count(*) as "n!" from sign_ups where ip = $1 and at > now() - make_interval(secs => $2)"#,
        ip,
        SIGN_UP_WINDOW_SECONDS
    )
    .fetch_one(&mut *tx)
    .await?;
    let verdict = if recent >= limit {
        Err(SIGN_UP_WINDOW_SECONDS as u32)
    } else {
        sqlx::query!("insert into sign_ups (ip) values ($1)", ip).execute(&mut *tx).await?;
        Ok(())
    };
    tx.commit().await?;
    Ok(verdict)
}

/// Forgets sign-in failures and sign-ups older than their windows, and devices unused for a year
/// (run by the background sweeper).
pub async fn prune(pool: &PgPool) -> sqlx::Result<u64> {
    let failures =
        sqlx::query!("delete from sign_in_failures where at < now() - interval '1 hour'").execute(pool).await?;
    let sign_ups = sqlx::query!("delete from sign_ups where at < now() - interval '1 day'").execute(pool).await?;
    let devices =
        sqlx::query!("delete from known_devices where last_used_at < now() - interval '1 year'").execute(pool).await?;
    Ok(failures.rows_affected() + sign_ups.rows_affected() + devices.rows_affected())
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether the device token in the browser's cookie belongs to the account with this email.
pub async fn is_known_device(pool: &PgPool, email: &str, token: Option<&str>) -> sqlx::Result<bool> {
    let Some(token) = token else { return Ok(false) };
    let found = sqlx::query_scalar!(
        r#"select exists(select 1 from known_devices d join users u on u.id = d.user_id
                         where d.token_hash = $1 and u.email = $2) as "found!""#,
        token_hash(token),
        email
    )
    .fetch_one(pool)
    .await?;
    Ok(found)
}

/// Registers a new device token for the user and returns it (for the cookie); a browser that already
/// has one keeps it, with its last use moved to now.
pub async fn remember_device(pool: &PgPool, user_id: Uuid, existing: Option<&str>) -> sqlx::Result<Option<String>> {
    if let Some(token) = existing {
        let touched = sqlx::query!(
            "update known_devices set last_used_at = now() where token_hash = $1 and user_id = $2",
            token_hash(token),
            user_id
        )
        .execute(pool)
        .await?;
        if touched.rows_affected() == 1 {
            return Ok(None);
        }
    }
    let token = crate::secret::token();
    sqlx::query!("insert into known_devices (token_hash, user_id) values ($1, $2)", token_hash(&token), user_id)
        .execute(pool)
        .await?;
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recent(failures: i64, since: Option<f64>, address: i64, known: bool) -> Recent {
        Recent { account_failures: failures, since_last_failure: since, address_attempts: address, known_device: known }
    }

    #[test]
    fn the_first_failures_are_free_then_the_wait_doubles_up_to_a_minute() {
        assert_eq!(backoff_seconds(0), 0.0);
        assert_eq!(backoff_seconds(FREE_FAILURES - 1), 0.0);
        assert_eq!(backoff_seconds(FREE_FAILURES), 1.0);
        assert_eq!(backoff_seconds(FREE_FAILURES + 3), 8.0);
        assert_eq!(backoff_seconds(FREE_FAILURES + 40), MAX_BACKOFF_SECONDS);
    }

    #[test]
    fn an_attempt_waits_out_the_rest_of_its_backoff() {
        assert_eq!(decide(recent(4, Some(0.1), 0, false)), Decision::Allow);
        assert_eq!(decide(recent(FREE_FAILURES + 3, Some(5.0), 0, false)), Decision::Wait(3));
        assert_eq!(decide(recent(FREE_FAILURES + 3, Some(8.5), 0, false)), Decision::Allow);
        assert_eq!(decide(recent(1000, Some(59.5), 0, false)), Decision::Wait(1));
    }

    #[test]
    fn a_busy_address_is_refused_but_not_the_owners_known_device() {
        assert_eq!(decide(recent(0, None, MAX_PER_ADDRESS, false)), Decision::Wait(60));
        assert_eq!(decide(recent(0, None, MAX_PER_ADDRESS, true)), Decision::Allow);
    }
}
