//! Page data from memory: what a page's statements returned is kept
//! in-process until something in its municipality changes, so that a page
//! seen again runs no statement.
//!
//! Every change to a municipality's rows notifies `samordna_data` with the
//! municipality's id, in the same transaction (statement triggers in
//! `migrations/0024_page_data_notify.sql`); a change to people notifies
//! `all`. A notice moves the municipality to a new generation, and entries
//! are looked up under the current one, so what an older generation loaded
//! is never served again (it ages out). A load that raced with a notice is
//! stored under the generation it started in, which is already dead. This
//! instance's own writes drop their municipality's pages at once
//! (`startup`'s `forget_after_change`, [`ChangedIn`]), so a redirect after a POST never shows the page as
//! it was. When the listening connection is lost nothing is served from
//! memory until it listens again ([`crate::listen`]).
//!
//! A loader that depends on the clock takes the time from the key: callers
//! round `now` to the minute ([`minute`]), so a deadline passing shows on the
//! page within a minute; every write checks the real time itself.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use moka::sync::Cache;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::listen::Subscriber;
use crate::tenant::MunicipalityId;

/// The channel changes to page data are announced on.
pub const CHANNEL: &str = "samordna_data";

/// A key's value, filled by the first request that needs it; requests that
/// ask while it loads wait for that load instead of running their own (at
/// the minute's turn fifty clients of one page would otherwise all miss).
type Entry = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    municipality: MunicipalityId,
    generation: u64,
    kind: TypeId,
    params: String,
}

/// Page data per municipality, kept between changes.
pub struct PageCache {
    live: AtomicBool,
    /// Source of generations; every invalidation takes the next value.
    clock: AtomicU64,
    /// Everything older than this is dead (listener lost, a local write).
    floor: AtomicU64,
    /// A municipality's generation, from its last notice.
    municipalities: RwLock<HashMap<MunicipalityId, u64>>,
    entries: Cache<Key, Entry>,
    /// `sync` notices seen: one sent after a change has arrived once every
    /// notice committed before it has been applied (tests wait for it).
    syncs: AtomicU64,
    /// Woken at every `sync` notice.
    synced: tokio::sync::Notify,
}

impl Default for PageCache {
    fn default() -> Self {
        Self {
            live: AtomicBool::new(false),
            clock: AtomicU64::new(1),
            floor: AtomicU64::new(0),
            municipalities: RwLock::new(HashMap::new()),
            // Entries are a page's rows, a few kB to a few hundred kB.
            entries: Cache::builder()
                .max_capacity(2_000)
                .time_to_live(Duration::from_secs(10 * 60))
                .build(),
            syncs: AtomicU64::new(0),
            synced: tokio::sync::Notify::new(),
        }
    }
}

/// Where a changing request worked: put in its extensions before it runs
/// and filled in by the `CurrentUser` extractor, so that only that
/// municipality's pages are dropped afterwards.
#[derive(Clone, Default)]
pub struct ChangedIn(Arc<OnceLock<MunicipalityId>>);

impl ChangedIn {
    /// Records the municipality the request works in.
    pub fn set(&self, municipality: MunicipalityId) {
        let _ = self.0.set(municipality);
    }

    /// After the request: drops the pages of the municipality it worked in,
    /// or everything when it named none (signing in, the account page).
    pub fn forget(&self, cache: &PageCache) {
        match self.0.get() {
            Some(municipality) => cache.invalidate(*municipality),
            None => cache.invalidate_all(),
        }
    }
}

/// `now` rounded down to the minute, for loaders that compare with the clock.
pub fn minute(now: DateTime<Utc>) -> DateTime<Utc> {
    now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now)
}

impl PageCache {
    fn generation(&self, municipality: MunicipalityId) -> u64 {
        let own = self
            .municipalities
            .read()
            .map(|m| m.get(&municipality).copied().unwrap_or(0))
            .unwrap_or(u64::MAX);
        own.max(self.floor.load(Ordering::Acquire))
    }

    fn next(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Drops everything (this instance changed something, or lost its
    /// listening connection).
    pub fn invalidate_all(&self) {
        self.floor.store(self.next(), Ordering::Release);
        self.entries.invalidate_all();
    }

    /// Whether cached values are used (the listener is connected).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// How many `sync` notices have arrived. A notice is delivered after
    /// every notice of transactions that committed before it, so once the
    /// count has grown past a `sync` sent after a change, the change has
    /// been applied.
    pub fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::Acquire)
    }

    /// Waits until this instance has applied every notice committed so far
    /// (it sends a `sync` notice and waits for it, at most a second); for a
    /// request from a browser that has just changed something through
    /// another instance. `false` when the notice did not come in time.
    pub async fn catch_up(&self, db: &sqlx::PgPool) -> bool {
        if !self.is_live() {
            return true;
        }
        let seen = self.syncs();
        let sent = sqlx::query!("select pg_notify($1, 'sync')", CHANNEL)
            .execute(db)
            .await;
        if sent.is_err() {
            return false;
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
        loop {
            // Created before the check, so a notice between the two wakes it.
            let notified = self.synced.notified();
            if self.syncs() > seen || !self.is_live() {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return false;
            }
        }
    }

    /// Drops what one municipality's pages were built from.
    pub fn invalidate(&self, municipality: MunicipalityId) {
        let generation = self.next();
        if let Ok(mut m) = self.municipalities.write() {
            m.insert(municipality, generation);
        }
    }

    /// The value `load` returns for `params` in `municipality`, from memory
    /// when nothing in the municipality has changed since it was loaded.
    /// `params` must name everything the loader reads besides the database:
    /// the person when the data depends on who asks, dates, filters.
    pub async fn get_or_load<T, F, Fut>(
        &self,
        municipality: MunicipalityId,
        params: String,
        load: F,
    ) -> AppResult<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        if !self.is_live() {
            return Ok(Arc::new(load().await?));
        }
        let key = Key {
            municipality,
            generation: self.generation(municipality),
            kind: TypeId::of::<T>(),
            params,
        };
        let cell = self.entries.get_with(key, Entry::default);
        let value = cell
            .get_or_try_init(|| async {
                let value: Arc<dyn Any + Send + Sync> = Arc::new(load().await?);
                AppResult::Ok(value)
            })
            .await?;
        Arc::clone(value)
            .downcast::<T>()
            .map_err(|_| AppError::Other(anyhow::anyhow!("page cache: a key held another type")))
    }
}

impl Subscriber for PageCache {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn apply(&self, payload: &str) {
        if payload == "sync" {
            self.syncs.fetch_add(1, Ordering::AcqRel);
            self.synced.notify_waiters();
            return;
        }
        match Uuid::parse_str(payload) {
            Ok(municipality) => self.invalidate(MunicipalityId::of_row(municipality)),
            // "all" (people changed) and anything unknown.
            Err(_) => self.invalidate_all(),
        }
    }

    fn set_live(&self, live: bool) {
        if live {
            self.invalidate_all();
            self.live.store(true, Ordering::Release);
        } else {
            self.live.store(false, Ordering::Release);
            self.invalidate_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn live() -> PageCache {
        let cache = PageCache::default();
        cache.set_live(true);
        cache
    }

    /// Loads `value` through the cache and says how many times the loader ran.
    async fn load(cache: &PageCache, m: MunicipalityId, value: u32, runs: &AtomicUsize) -> u32 {
        *cache
            .get_or_load(m, "p".into(), || async {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok(value)
            })
            .await
            .expect("loads")
    }

    #[tokio::test]
    async fn a_page_seen_again_is_served_from_memory() {
        let (cache, m, runs) = (live(), any_municipality(), AtomicUsize::new(0));
        assert_eq!(load(&cache, m, 1, &runs).await, 1);
        assert_eq!(load(&cache, m, 2, &runs).await, 1);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    fn any_municipality() -> MunicipalityId {
        MunicipalityId::of_row(Uuid::new_v4())
    }

    #[tokio::test]
    async fn a_notice_for_the_municipality_drops_its_pages_only() {
        let (cache, runs) = (live(), AtomicUsize::new(0));
        let (a, b) = (any_municipality(), any_municipality());
        load(&cache, a, 1, &runs).await;
        load(&cache, b, 1, &runs).await;
        cache.apply(&a.to_string());
        assert_eq!(load(&cache, a, 2, &runs).await, 2);
        assert_eq!(load(&cache, b, 2, &runs).await, 1);
    }

    #[tokio::test]
    async fn a_notice_about_people_drops_every_municipality() {
        let (cache, m, runs) = (live(), any_municipality(), AtomicUsize::new(0));
        load(&cache, m, 1, &runs).await;
        cache.apply("all");
        assert_eq!(load(&cache, m, 2, &runs).await, 2);
    }

    #[tokio::test]
    async fn nothing_is_served_from_memory_while_not_listening() {
        let (cache, m, runs) = (
            PageCache::default(),
            any_municipality(),
            AtomicUsize::new(0),
        );
        load(&cache, m, 1, &runs).await;
        assert_eq!(load(&cache, m, 2, &runs).await, 2);
        let cache = live();
        load(&cache, m, 1, &runs).await;
        cache.set_live(false);
        assert_eq!(load(&cache, m, 3, &runs).await, 3);
    }

    #[tokio::test]
    async fn a_load_that_raced_with_a_notice_is_not_served() {
        let (cache, m) = (live(), any_municipality());
        let stale = cache
            .get_or_load(m, "p".into(), || async {
                // The change commits while the statement runs.
                cache.apply(&m.to_string());
                Ok(1u32)
            })
            .await
            .expect("loads");
        assert_eq!(*stale, 1);
        let runs = AtomicUsize::new(0);
        assert_eq!(load(&cache, m, 2, &runs).await, 2);
    }

    #[tokio::test]
    async fn requests_that_miss_together_wait_for_one_load() {
        let (cache, m, runs) = (live(), any_municipality(), AtomicUsize::new(0));
        let slow = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(7u32)
        };
        let (a, b) = tokio::join!(
            cache.get_or_load(m, "p".into(), slow),
            cache.get_or_load(m, "p".into(), slow)
        );
        assert_eq!((*a.expect("a"), *b.expect("b")), (7, 7));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_load_is_not_kept() {
        let (cache, m, runs) = (live(), any_municipality(), AtomicUsize::new(0));
        let failed = cache
            .get_or_load(m, "p".into(), || async {
                AppResult::<u32>::Err(AppError::NotFound)
            })
            .await;
        assert!(matches!(failed, Err(AppError::NotFound)));
        assert_eq!(load(&cache, m, 2, &runs).await, 2);
    }

    #[tokio::test]
    async fn a_change_made_here_drops_the_pages_of_the_municipality_it_named() {
        let (cache, runs) = (live(), AtomicUsize::new(0));
        let (a, b) = (any_municipality(), any_municipality());
        load(&cache, a, 1, &runs).await;
        load(&cache, b, 1, &runs).await;
        let named = ChangedIn::default();
        named.set(a);
        named.forget(&cache);
        assert_eq!(load(&cache, a, 2, &runs).await, 2);
        assert_eq!(load(&cache, b, 2, &runs).await, 1);
        ChangedIn::default().forget(&cache);
        assert_eq!(load(&cache, b, 3, &runs).await, 3);
    }

    #[test]
    fn the_clock_in_a_key_is_rounded_to_the_minute() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:41:59.5Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(minute(at).to_rfc3339(), "2026-12-01T08:41:00+00:00");
    }
}
