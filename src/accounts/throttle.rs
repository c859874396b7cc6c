//! Throttling of failed sign-ins, per account and per client address, shared by all app processes
//! through PostgreSQL.
//!
//! Beyond `MAX_FAILURES` failures in the last `WINDOW_SECONDS`, sign-in answers 429 until the window
//! slides past them, so a lock lasts at most a minute after the failures stop. A flood against someone
//! else's account cannot keep its owner out: the per-account limit does not apply to a browser that
//! has signed in to that account before (it carries a "known device" cookie), only the per-address
//! limit does, and the attacker's address is not the owner's.

use std::net::IpAddr;

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

pub const MAX_FAILURES: i64 = 10;
pub const WINDOW_SECONDS: f64 = 60.0;
pub const DEVICE_COOKIE: &str = "mockexam_device";

/// True when this sign-in attempt must be refused with 429 before the password is even checked.
pub async fn is_throttled(pool: &PgPool, email: &str, ip: IpAddr, known_device: bool) -> sqlx::Result<bool> {
    let counts = sqlx::query!(
        r#"select
             count(*) filter (where ip = $2) as "by_ip!",
             count(*) filter (where email = $1) as "by_email!"
           from sign_in_failures
           where at > now() - make_interval(secs => $3) and (ip = $2 or email = $1)"#,
        email,
        ip.to_string(),
        WINDOW_SECONDS
    )
    .fetch_one(pool)
    .await?;
    Ok(counts.by_ip >= MAX_FAILURES || (!known_device && counts.by_email >= MAX_FAILURES))
}

pub async fn record_failure(pool: &PgPool, email: &str, ip: IpAddr) -> sqlx::Result<()> {
    sqlx::query!("insert into sign_in_failures (email, ip) values ($1, $2)", email, ip.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets failures older than an hour (run by the background sweeper).
pub async fn prune(pool: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query!("delete from sign_in_failures where at < now() - interval '1 hour'").execute(pool).await?;
    Ok(done.rows_affected())
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

/// Registers a new device token for the user and returns it (for the cookie).
pub async fn remember_device(pool: &PgPool, user_id: Uuid) -> sqlx::Result<String> {
    let token = crate::secret::token();
    sqlx::query!("insert into known_devices (token_hash, user_id) values ($1, $2)", token_hash(&token), user_id)
        .execute(pool)
        .await?;
    Ok(token)
}
