//! Throttles password guessing, per account and per client address, with
//! `governor`'s keyed rate limiters (GCRA): a burst of attempts, then one
//! more per interval, so the real user is never locked out for long.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::DefaultClock;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// Attempts allowed in a burst per account; then one a minute.
pub const PER_ACCOUNT_BURST: u32 = 5;
/// Attempts allowed in a burst per client address; then one every 10 s.
pub const PER_ADDRESS_BURST: u32 = 30;

/// The sign-in limiters.
pub struct LoginThrottle {
    per_account: Keyed<String>,
    per_address: Keyed<IpAddr>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            per_account: RateLimiter::keyed(quota(Duration::from_secs(60), PER_ACCOUNT_BURST)),
            per_address: RateLimiter::keyed(quota(Duration::from_secs(10), PER_ADDRESS_BURST)),
        }
    }
}

fn quota(period: Duration, burst: u32) -> Quota {
    Quota::with_period(period)
        .expect("period is not zero")
        .allow_burst(NonZeroU32::new(burst).expect("burst is not zero"))
}

impl LoginThrottle {
    /// Counts one attempt; `false` when the account or address must wait.
    pub fn allow(&self, email: &str, address: Option<IpAddr>) -> bool {
        let account_ok = self.per_account.check_key(&email.to_lowercase()).is_ok();
        let address_ok = address.is_none_or(|a| self.per_address.check_key(&a).is_ok());
        account_ok && address_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_quick_attempt_on_one_account_is_refused_but_another_account_is_not() {
        let throttle = LoginThrottle::default();
        for _ in 0..PER_ACCOUNT_BURST {
            assert!(throttle.allow("a@kommun.se", None));
        }
        assert!(!throttle.allow("A@kommun.se", None));
        assert!(throttle.allow("b@kommun.se", None));
    }
}
