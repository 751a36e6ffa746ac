//! Throttles password guessing, at sign-in and wherever a signed-in person
//! gives their password again (password change, signing an agreement).
//!
//! Only failures count: an attempt is counted when it starts (so a burst of
//! parallel guesses is counted too) and uncounted again when the password
//! was right. A client is refused when it has failed too often itself, or
//! when it has failed at all and the account it tries has failed too often.
//! So a correct password from a client without recent failures is never
//! refused because someone else guessed wrong, and an attacker cannot lock
//! the real user out.
//!
//! The counters live in `moka` caches with a maximum number of entries and
//! a time to live (renewed by every failure). `moka` rather than
//! `governor`: governor's keyed limiters count every attempt, not failures,
//! and their memory only shrinks with a periodic `retain_recent` sweep, with
//! no cap in between. Existing accounts and invented addresses are counted
//! in separate caches, so flooding the cap with invented addresses cannot
//! push a real account's failures out. Accounts are keyed by a SHA-256 of
//! the address and IPv6 clients by their /64, so an entry has a fixed size.

use std::net::IpAddr;
use std::time::Duration;

use moka::ops::compute::{CompResult, Op};
use moka::sync::Cache;
use sha2::{Digest, Sha256};

/// Failures on one account before failing clients are refused on it.
pub const ACCOUNT_FAILURES: u32 = 5;
/// Failures from one client before it is refused altogether.
pub const CLIENT_FAILURES: u32 = 30;
/// How long failures are remembered after the latest one.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// The most accounts and the most clients remembered.
pub const CAPACITY: u64 = 100_000;

/// What a refused person is told.
pub const REFUSED: &str = "För många felaktiga lösenord. Vänta en kvart och försök sedan igen.";

/// Limits of a throttle; [`Limits::default`] is what the app runs with.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub account_failures: u32,
    pub client_failures: u32,
    pub window: Duration,
    pub capacity: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            account_failures: ACCOUNT_FAILURES,
            client_failures: CLIENT_FAILURES,
            window: WINDOW,
            capacity: CAPACITY,
        }
    }
}

type AccountKey = [u8; 32];

/// A client: an IPv4 address, or an IPv6 /64 (one household or server
/// gets a whole /64, so single addresses would be free to rotate).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(crate) enum ClientKey {
    V4(u32),
    V6(u64),
}

impl From<IpAddr> for ClientKey {
    fn from(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Self::V4(v4.to_bits()),
            IpAddr::V6(v6) => Self::V6((v6.to_bits() >> 64) as u64),
        }
    }
}

fn account_key(account: &str) -> AccountKey {
    Sha256::digest(account.trim().to_lowercase().as_bytes()).into()
}

/// The password-failure counters.
pub struct LoginThrottle {
    limits: Limits,
    accounts: Cache<AccountKey, u32>,
    unknown_accounts: Cache<AccountKey, u32>,
    clients: Cache<ClientKey, u32>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

/// The client or the account must wait.
#[derive(Debug, PartialEq, Eq)]
pub struct Throttled;

/// A password check under way. Unless [`Attempt::succeeded`] is called, it
/// stays counted as a failure.
#[must_use = "call succeeded() when the password was right"]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    accounts: &'a Cache<AccountKey, u32>,
    account: AccountKey,
    client: Option<ClientKey>,
}

impl Attempt<'_> {
    /// The password was right: the attempt is not a failure after all.
    pub fn succeeded(self) {
        decrement(self.accounts, self.account);
        if let Some(key) = self.client {
            decrement(&self.throttle.clients, key);
        }
    }
}

impl LoginThrottle {
    /// A throttle with the given limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            accounts: bounded(limits),
            unknown_accounts: bounded(limits),
            clients: bounded(limits),
        }
    }

    /// Starts a password check for `account` (the e-mail address; `known`
    /// when a person has it) from `client`, counting it as a failure until
    /// it succeeds.
    pub fn begin(
        &self,
        account: &str,
        known: bool,
        client: Option<IpAddr>,
    ) -> Result<Attempt<'_>, Throttled> {
        let account = account_key(account);
        let accounts = if known {
            &self.accounts
        } else {
            &self.unknown_accounts
        };
        let client = client.map(ClientKey::from);
        // Without an address the client cannot be told apart: treat it as
        // one that has failed before.
        let mut client_has_failed = true;
        if let Some(key) = client {
            let limit = self.limits.client_failures;
            match self.clients.entry(key).and_compute_with(|e| {
                let n = e.map_or(0, |e| e.into_value());
                if n >= limit { Op::Nop } else { Op::Put(n + 1) }
            }) {
                CompResult::Inserted(_) => client_has_failed = false,
                CompResult::ReplacedWith(_) => {}
                _ => return Err(Throttled),
            }
        }
        let limit = self.limits.account_failures;
        let counted = accounts.entry(account).and_compute_with(|e| {
            let n = e.map_or(0, |e| e.into_value());
            if n >= limit && client_has_failed {
                Op::Nop
            } else {
                Op::Put(n.saturating_add(1))
            }
        });
        if !matches!(
            counted,
            CompResult::Inserted(_) | CompResult::ReplacedWith(_)
        ) {
            if let Some(key) = client {
                decrement(&self.clients, key);
            }
            return Err(Throttled);
        }
        Ok(Attempt {
            throttle: self,
            accounts,
            account,
            client,
        })
    }

    /// How many accounts (known and invented) and clients are remembered
    /// (after pending evictions have run); for tests of the memory bound.
    pub fn remembered(&self) -> (u64, u64) {
        for cache in [&self.accounts, &self.unknown_accounts] {
            cache.run_pending_tasks();
        }
        self.clients.run_pending_tasks();
        (
            self.accounts.entry_count() + self.unknown_accounts.entry_count(),
            self.clients.entry_count(),
        )
    }
}

fn bounded<K>(limits: Limits) -> Cache<K, u32>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(limits.capacity)
        .time_to_live(limits.window)
        .build()
}

fn decrement<K>(cache: &Cache<K, u32>, key: K)
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
{
    cache
        .entry(key)
        .and_compute_with(|e| match e.map(|e| e.into_value()) {
            Some(n) if n > 1 => Op::Put(n - 1),
            Some(_) => Op::Remove,
            None => Op::Nop,
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("address"))
    }

    fn fail(t: &LoginThrottle, account: &str, client: Option<IpAddr>) -> Result<(), Throttled> {
        t.begin(account, true, client).map(drop)
    }

    fn succeed(t: &LoginThrottle, account: &str, client: Option<IpAddr>) -> Result<(), Throttled> {
        t.begin(account, true, client).map(Attempt::succeeded)
    }

    #[test]
    fn many_good_sign_ins_in_a_row_are_never_refused() {
        let t = LoginThrottle::default();
        for _ in 0..100 {
            assert_eq!(succeed(&t, "a@kommun.se", ip("10.0.0.1")), Ok(()));
        }
        assert_eq!(succeed(&t, "a@kommun.se", None), Ok(()));
    }

    #[test]
    fn a_client_that_keeps_failing_on_an_account_is_refused_there() {
        let t = LoginThrottle::default();
        for _ in 0..ACCOUNT_FAILURES {
            assert_eq!(fail(&t, "a@kommun.se", ip("10.0.0.9")), Ok(()));
        }
        assert_eq!(fail(&t, "A@Kommun.se ", ip("10.0.0.9")), Err(Throttled));
        // Even with the right password now: it is the guesser.
        assert_eq!(succeed(&t, "a@kommun.se", ip("10.0.0.9")), Err(Throttled));
        // Another account from the same client still gets its tries.
        assert_eq!(succeed(&t, "b@kommun.se", ip("10.0.0.9")), Ok(()));
    }

    #[test]
    fn the_real_user_signs_in_while_someone_else_keeps_failing_on_the_account() {
        let t = LoginThrottle::default();
        for round in 0..20 {
            let _ = fail(&t, "a@kommun.se", ip("203.0.113.7"));
            if round % 3 == 0 {
                assert_eq!(succeed(&t, "a@kommun.se", ip("10.0.0.1")), Ok(()));
            }
        }
        assert_eq!(succeed(&t, "a@kommun.se", ip("2001:db8::1")), Ok(()));
    }

    #[test]
    fn a_fresh_client_gets_one_try_on_a_locked_account_and_no_more_after_failing() {
        let t = LoginThrottle::default();
        for _ in 0..ACCOUNT_FAILURES {
            let _ = fail(&t, "a@kommun.se", ip("203.0.113.7"));
        }
        assert_eq!(fail(&t, "a@kommun.se", ip("198.51.100.1")), Ok(()));
        assert_eq!(fail(&t, "a@kommun.se", ip("198.51.100.1")), Err(Throttled));
    }

    #[test]
    fn a_client_failing_on_many_accounts_is_refused_everywhere() {
        let t = LoginThrottle::default();
        for i in 0..CLIENT_FAILURES {
            assert_eq!(
                fail(&t, &format!("p{i}@kommun.se"), ip("203.0.113.7")),
                Ok(())
            );
        }
        assert_eq!(
            succeed(&t, "ny@kommun.se", ip("203.0.113.7")),
            Err(Throttled)
        );
        assert_eq!(succeed(&t, "ny@kommun.se", ip("203.0.113.8")), Ok(()));
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_block() {
        let t = LoginThrottle::default();
        for i in 0..CLIENT_FAILURES {
            let client = ip(&format!("2001:db8:1:2::{i:x}"));
            assert_eq!(fail(&t, &format!("p{i}@kommun.se"), client), Ok(()));
        }
        assert_eq!(
            succeed(&t, "ny@kommun.se", ip("2001:db8:1:2:ffff::1")),
            Err(Throttled)
        );
        assert_eq!(succeed(&t, "ny@kommun.se", ip("2001:db8:1:3::1")), Ok(()));
        // An IPv4 address written as IPv6 is the same client.
        let t = LoginThrottle::default();
        for i in 0..CLIENT_FAILURES {
            let _ = fail(&t, &format!("p{i}@kommun.se"), ip("192.0.2.1"));
        }
        assert_eq!(
            succeed(&t, "x@kommun.se", ip("::ffff:192.0.2.1")),
            Err(Throttled)
        );
    }

    #[test]
    fn failures_are_forgotten_after_the_window() {
        let t = LoginThrottle::new(Limits {
            window: Duration::from_millis(200),
            ..Limits::default()
        });
        for _ in 0..ACCOUNT_FAILURES {
            let _ = fail(&t, "a@kommun.se", ip("203.0.113.7"));
        }
        assert_eq!(fail(&t, "a@kommun.se", ip("203.0.113.7")), Err(Throttled));
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(succeed(&t, "a@kommun.se", ip("203.0.113.7")), Ok(()));
    }

    #[test]
    fn invented_addresses_and_clients_do_not_grow_memory_past_the_cap() {
        let t = LoginThrottle::new(Limits {
            capacity: 500,
            ..Limits::default()
        });
        for i in 0..20_000u32 {
            let client = IpAddr::from(std::net::Ipv4Addr::from_bits(i));
            let _ = t.begin(
                &format!("uppfunnen{i}@exempel.se"),
                i % 2 == 0,
                Some(client),
            );
        }
        let (accounts, clients) = t.remembered();
        assert!(accounts <= 1000, "{accounts} accounts remembered");
        assert!(clients <= 500, "{clients} clients remembered");
    }

    #[test]
    fn an_invented_address_is_locked_like_a_real_one_so_refusals_do_not_reveal_accounts() {
        let t = LoginThrottle::default();
        for _ in 0..ACCOUNT_FAILURES {
            let _ = t
                .begin("finns-inte@kommun.se", false, ip("203.0.113.7"))
                .map(drop);
        }
        assert!(
            t.begin("finns-inte@kommun.se", false, ip("203.0.113.7"))
                .is_err()
        );
    }

    #[test]
    fn a_guessed_account_stays_locked_while_invented_addresses_flood_the_cache() {
        let t = LoginThrottle::new(Limits {
            capacity: 200,
            ..Limits::default()
        });
        for _ in 0..ACCOUNT_FAILURES {
            let _ = fail(&t, "mal@kommun.se", ip("198.51.100.1"));
        }
        for i in 0..10_000u32 {
            let client = IpAddr::from(std::net::Ipv4Addr::from_bits(0x0a00_0000 + i));
            let _ = t.begin(&format!("x{i}@exempel.se"), false, Some(client));
            if i % 1000 == 0 {
                t.remembered();
            }
        }
        t.remembered();
        // The account's failures survived: a fresh client gets its one try,
        // then it is refused like every other guesser.
        assert_eq!(fail(&t, "mal@kommun.se", ip("192.0.2.200")), Ok(()));
        assert_eq!(fail(&t, "mal@kommun.se", ip("192.0.2.200")), Err(Throttled));
    }
}
