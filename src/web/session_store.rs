//! The session store: PostgreSQL, with the sessions read in the last few seconds kept in memory.
//!
//! Every signed-in request needs its session, so without this each page costs a round trip before
//! its own work. Writes go to PostgreSQL first and then to the copy here; reads within [`FRESH_FOR`]
//! of the last load from PostgreSQL or the last write use the copy. Safe because what must take effect at once does not
//! depend on it: signing out revokes the login row, which every request checks in the database, and
//! the sign-out itself deletes the copy. With several app processes, a notice written by one can show
//! up to [`FRESH_FOR`] later on another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Result, SessionStore};
use tower_sessions_sqlx_store::PostgresStore;

pub const FRESH_FOR: Duration = Duration::from_secs(30);
const MAX_KEPT: usize = 100_000;

#[derive(Debug, Clone)]
pub struct CachedStore {
    inner: PostgresStore,
    kept: Arc<Mutex<HashMap<Id, (Record, Instant)>>>,
}

impl CachedStore {
    pub fn new(inner: PostgresStore) -> Self {
        Self { inner, kept: Arc::default() }
    }

    fn keep(&self, record: &Record) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= MAX_KEPT {
            kept.retain(|_, (_, at)| at.elapsed() < FRESH_FOR);
            if kept.len() >= MAX_KEPT {
                kept.clear();
            }
        }
        kept.insert(record.id, (record.clone(), Instant::now()));
    }

    fn forget(&self, id: &Id) {
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    }
}

#[async_trait::async_trait]
impl SessionStore for CachedStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        self.inner.create(record).await?;
        self.keep(record);
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.inner.save(record).await?;
        self.keep(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let now = time::OffsetDateTime::now_utc();
        if let Some((record, at)) = self.kept.lock().unwrap_or_else(|e| e.into_inner()).get(id)
            && at.elapsed() < FRESH_FOR
            && record.expiry_date > now
        {
            return Ok(Some(record.clone()));
        }
        let loaded = self.inner.load(id).await?;
        match &loaded {
            Some(record) => self.keep(record),
            None => self.forget(id),
        }
        Ok(loaded)
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.forget(id);
        self.inner.delete(id).await
    }
}
