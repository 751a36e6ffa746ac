//! Who is asking, from memory: sessions, people and the seats they hold are
//! cached in-process, so an ordinary page spends no statement on them.
//!
//! Every change to the rows behind them notifies `samordna_identity` in the
//! same transaction (triggers in `migrations/0007_identity_notify.sql`, and
//! the session store for sessions), and every instance listens. An instance
//! that loses its listening connection drops the whole cache and bypasses it
//! until it listens again, since it may have missed notices. A load that
//! raced with a notice is not cached (the epoch check).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use moka::sync::Cache;
use tower_sessions::session::Record;
use uuid::Uuid;

use crate::listen::Subscriber;
use crate::web::extract::Workplace;

/// The channel every change to who-is-asking is announced on.
pub const CHANNEL: &str = "samordna_identity";

/// What the person row says, as the session check needs it.
#[derive(Clone, Debug)]
pub struct PersonRow {
    pub name: String,
    pub email: String,
    pub active: bool,
    pub must_change_password: bool,
    pub session_generation: i32,
    /// Runs the deployment (`operator`): never works in a municipality.
    pub is_operator: bool,
}

/// Who is asking, cached per instance.
pub struct IdentityCache {
    /// This instance, so that it can ignore its own session notices (and
    /// name itself in `startup`'s `samordna_changed` cookie).
    pub instance: Uuid,
    listening: AtomicBool,
    /// Bumped by every invalidation: a load that started before one must
    /// not be cached.
    epoch: AtomicU64,
    sessions: Cache<String, Record>,
    people: Cache<Uuid, Option<PersonRow>>,
    /// Seats per person, valid for the day they were computed on.
    seats: Cache<Uuid, (NaiveDate, Arc<Vec<Workplace>>)>,
}

impl Default for IdentityCache {
    fn default() -> Self {
        Self {
            instance: Uuid::new_v4(),
            listening: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            sessions: bounded(),
            people: bounded(),
            seats: bounded(),
        }
    }
}

/// At most this many entries per cache; idle ones age out.
fn bounded<K, V>() -> Cache<K, V>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(100_000)
        .time_to_idle(Duration::from_secs(30 * 60))
        .build()
}

impl IdentityCache {
    /// Whether cached values may be used (the listener is connected).
    pub fn is_live(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// The current epoch; pass it to the `put_*` after loading.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    fn may_store(&self, epoch: u64) -> bool {
        self.is_live() && self.epoch() == epoch
    }

    fn bump(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Drops everything.
    pub fn invalidate_all(&self) {
        self.bump();
        self.sessions.invalidate_all();
        self.people.invalidate_all();
        self.seats.invalidate_all();
    }

    /// A cached session record.
    pub fn session(&self, id: &str) -> Option<Record> {
        self.is_live().then(|| self.sessions.get(id)).flatten()
    }

    /// Remembers a session record loaded or written at `epoch`.
    pub fn put_session(&self, id: String, record: Record, epoch: u64) {
        if self.may_store(epoch) {
            self.sessions.insert(id, record);
        }
    }

    /// Forgets a session (deleted, or changed by another instance).
    pub fn forget_session(&self, id: &str) {
        self.bump();
        self.sessions.invalidate(id);
    }

    /// A cached person row (`Some(None)`: known not to exist).
    pub fn person(&self, id: Uuid) -> Option<Option<PersonRow>> {
        self.is_live().then(|| self.people.get(&id)).flatten()
    }

    /// Remembers a person row loaded at `epoch`.
    pub fn put_person(&self, id: Uuid, row: Option<PersonRow>, epoch: u64) {
        if self.may_store(epoch) {
            self.people.insert(id, row);
        }
    }

    /// A person's seats as computed today.
    pub fn seats(&self, id: Uuid, today: NaiveDate) -> Option<Arc<Vec<Workplace>>> {
        if !self.is_live() {
            return None;
        }
        self.seats
            .get(&id)
            .and_then(|(day, seats)| (day == today).then_some(seats))
    }

    /// Remembers a person's seats computed for `today` at `epoch`.
    pub fn put_seats(&self, id: Uuid, today: NaiveDate, seats: Arc<Vec<Workplace>>, epoch: u64) {
        if self.may_store(epoch) {
            self.seats.insert(id, (today, seats));
        }
    }

    /// Applies one notice from the channel.
    fn apply_notice(&self, payload: &str) {
        match payload.split_once(':') {
            Some(("person", id)) => {
                self.bump();
                if let Ok(id) = Uuid::parse_str(id) {
                    self.people.invalidate(&id);
                    self.seats.invalidate(&id);
                }
            }
            Some(("session", rest)) => {
                let (id, from) = rest.split_once(':').unwrap_or((rest, ""));
                if from != self.instance.to_string() {
                    self.forget_session(id);
                }
            }
            _ => {
                // "all" and anything unknown: drop the seats (and be safe).
                self.bump();
                self.people.invalidate_all();
                self.seats.invalidate_all();
                if payload != "all" {
                    self.sessions.invalidate_all();
                }
            }
        }
    }
}

impl Subscriber for IdentityCache {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn apply(&self, payload: &str) {
        self.apply_notice(payload);
    }

    fn set_live(&self, live: bool) {
        if live {
            self.invalidate_all();
            self.listening.store(true, Ordering::Release);
        } else {
            self.listening.store(false, Ordering::Release);
            self.invalidate_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> IdentityCache {
        let cache = IdentityCache::default();
        cache.listening.store(true, Ordering::Release);
        cache
    }

    fn row() -> Option<PersonRow> {
        Some(PersonRow {
            name: "A".into(),
            email: "a@kommun.se".into(),
            active: true,
            must_change_password: false,
            session_generation: 1,
            is_operator: false,
        })
    }

    #[test]
    fn nothing_is_served_from_memory_while_not_listening() {
        let cache = IdentityCache::default();
        let id = Uuid::new_v4();
        cache.put_person(id, row(), cache.epoch());
        assert!(cache.person(id).is_none());
    }

    #[test]
    fn a_person_notice_drops_that_person_only() {
        let cache = live();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        cache.put_person(a, row(), cache.epoch());
        cache.put_person(b, row(), cache.epoch());
        cache.apply_notice(&format!("person:{a}"));
        assert!(cache.person(a).is_none());
        assert!(cache.person(b).is_some());
    }

    #[test]
    fn a_load_that_raced_with_a_notice_is_not_kept() {
        let cache = live();
        let id = Uuid::new_v4();
        let epoch = cache.epoch();
        cache.apply_notice("all");
        cache.put_person(id, row(), epoch);
        assert!(cache.person(id).is_none());
    }

    #[test]
    fn a_session_notice_from_this_instance_keeps_the_session() {
        let cache = live();
        let record = Record {
            id: tower_sessions::session::Id::default(),
            data: Default::default(),
            expiry_date: time::OffsetDateTime::now_utc(),
        };
        cache.put_session("s".into(), record.clone(), cache.epoch());
        cache.apply_notice(&format!("session:s:{}", cache.instance));
        assert!(cache.session("s").is_some());
        cache.apply_notice(&format!("session:s:{}", Uuid::new_v4()));
        assert!(cache.session("s").is_none());
    }

    #[test]
    fn seats_computed_yesterday_are_not_used_today() {
        let cache = live();
        let id = Uuid::new_v4();
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        cache.put_seats(id, day, Arc::new(Vec::new()), cache.epoch());
        assert!(cache.seats(id, day).is_some());
        assert!(cache.seats(id, day.succ_opt().expect("date")).is_none());
    }
}
