//! Argon2id password hashing at OWASP's recommended minimum (19 MiB memory, 2 passes, 1 lane).
//!
//! Each hash needs 19 MiB and tens of milliseconds of CPU, so hashing is rationed: at most one hash
//! per core runs at a time (on the blocking pool, never on the runtime), at most [`MAX_QUEUED`] more
//! wait, each for at most [`QUEUE_WAIT`]; beyond that the caller gets [`PasswordError::Busy`] (503 with
//! `Retry-After`). So a burst of sign-ups costs at most `cores × 19 MiB` of hashing memory at once,
//! instead of one 19 MiB block per request in flight; [`limit_allocator_caching`] makes sure freed
//! blocks go back to the operating system rather than staying in the allocator's arenas.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use super::NewPassword;

/// How many hashes may wait for a core before more are refused outright.
pub const MAX_QUEUED: usize = 64;
/// How long a hash may wait for a core.
pub const QUEUE_WAIT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("too many passwords are being checked right now")]
    Busy,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

struct Gate {
    running: Semaphore,
    waiting: AtomicUsize,
}

static GATE: LazyLock<Gate> = LazyLock::new(|| Gate {
    running: Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
    waiting: AtomicUsize::new(0),
});

/// Hashes waiting for a core right now (for `/metrics`).
pub fn queued() -> usize {
    GATE.waiting.load(Ordering::Relaxed)
}

/// Runs `work` on the blocking pool once a hashing slot is free, or refuses with `Busy`.
async fn rationed<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, PasswordError> {
    if GATE.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_QUEUED {
        GATE.waiting.fetch_sub(1, Ordering::AcqRel);
        return Err(PasswordError::Busy);
    }
    let permit = tokio::time::timeout(QUEUE_WAIT, GATE.running.acquire()).await;
    GATE.waiting.fetch_sub(1, Ordering::AcqRel);
    let Ok(Ok(permit)) = permit else { return Err(PasswordError::Busy) };
    let result = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(anyhow::Error::from)?;
    Ok(result?)
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash(password: NewPassword) -> Result<String, PasswordError> {
    rationed(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await
}

/// Verifies `password` against `stored`. With no stored hash (unknown account) it still does the
/// same work against a fixed hash, so timing does not tell whether the account exists.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, PasswordError> {
    rationed(move || {
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (dummy_hash().to_string(), false),
        };
        let parsed = PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
        // The stored hash carries its own parameters, so old hashes still verify after a change.
        let ok = hasher().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(ok && real)
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(b"not a real password", &salt).expect("hash").to_string()
    })
}

/// glibc keeps freed memory in per-thread arenas and, after the first large free, raises its mmap
/// threshold so that later 19 MiB Argon2 blocks come from (and stay in) the heap. Fixing the threshold
/// at 1 MiB sends every such block to `mmap`, returned to the system on free, and capping the arenas
/// keeps the blocking pool's many threads from each holding a heap. Called once at start-up.
pub fn limit_allocator_caching() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before the runtime starts threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gate is one per process: the burst test fills it, so the tests that hash take turns.
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_at_owasp_minimum() {
        let _turn = SERIAL.lock().await;
        let h = hash(NewPassword::parse("correct horse battery", "a@example.com").unwrap()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery".into(), Some(h.clone())).await.unwrap());
        assert!(!verify("wrong horse battery".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_beyond_the_queue_is_refused_not_queued_forever() {
        let _turn = SERIAL.lock().await;
        let burst: Vec<_> = (0..MAX_QUEUED * 3)
            .map(|i| tokio::spawn(hash(NewPassword::parse(&format!("burst password {i}"), "a@example.com").unwrap())))
            .collect();
        let mut busy = 0;
        for h in burst {
            if matches!(h.await.unwrap(), Err(PasswordError::Busy)) {
                busy += 1;
            }
        }
        assert!(busy > 0, "a burst of {} hashes should overflow the queue of {MAX_QUEUED}", MAX_QUEUED * 3);
        assert_eq!(queued(), 0);
    }
}
