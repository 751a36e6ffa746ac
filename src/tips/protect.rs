//! What keeps the public tip form from being flooded, without a captcha:
//! a signed time stamp in the form (a form sent sooner than a person can
//! fill it in, or long after, is refused; the stamp's nonce is claimed once,
//! so a resent form stores nothing twice), a honeypot field people never
//! see, a limit per client and size limits on every field.
//!
//! The stamp is signed with HMAC-SHA256 under a key kept in the database
//! (`app_secret`), so every instance of a deployment accepts every other's
//! forms and nothing is stored per page view.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use moka::ops::compute::{CompResult, Op};
use moka::sync::Cache;
use sha2::Sha256;
use sqlx::PgPool;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::auth::throttle::ClientKey;
use crate::tenant::MunicipalityId;

/// The fewest seconds a person needs to fill in the form.
pub const MIN_FILL_SECONDS: u64 = 3;
/// Tips (sent forms, accepted or not) one client may send in [`WINDOW`].
pub const PER_CLIENT: u32 = 10;
/// The window of the per-client limit.
pub const WINDOW: Duration = Duration::from_secs(60 * 60);
/// A form older than this is refused (it is shown again, fresh).
pub const MAX_AGE_SECONDS: i64 = 12 * 60 * 60;
/// The most clients remembered.
const CAPACITY: u64 = 100_000;

/// Limits of the form's protection; [`TipLimits::default`] is what the app
/// runs with, tests lower them through the configuration.
#[derive(Clone, Copy, Debug)]
pub struct TipLimits {
    pub min_fill: Duration,
    pub per_client: u32,
    pub window: Duration,
}

impl Default for TipLimits {
    fn default() -> Self {
        Self {
            min_fill: Duration::from_secs(MIN_FILL_SECONDS),
            per_client: PER_CLIENT,
            window: WINDOW,
        }
    }
}

/// The per-client counter and the signing key, one per app (so each test
/// app has its own).
pub struct TipGuard {
    limits: TipLimits,
    /// Sent forms per client: (first in the window, count).
    clients: Cache<ClientKey, (Instant, u32)>,
    key: OnceCell<Vec<u8>>,
}

impl TipGuard {
    pub fn new(limits: TipLimits) -> Self {
        Self {
            limits,
            clients: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(limits.window)
                .build(),
            key: OnceCell::new(),
        }
    }

    pub fn limits(&self) -> TipLimits {
        self.limits
    }

    /// Counts one sent form from `client`; `false` when it is over the
    /// limit. A request without a known address is not counted.
    pub fn admit(&self, client: Option<IpAddr>) -> bool {
        let Some(ip) = client else { return true };
        let now = Instant::now();
        let window = self.limits.window;
        let entry = self
            .clients
            .entry(ClientKey::from(ip))
            .and_compute_with(|old| {
                let next = match old.map(|e| e.into_value()) {
                    Some((start, n)) if now.duration_since(start) < window => {
                        (start, n.saturating_add(1))
                    }
                    _ => (now, 1),
                };
                Op::Put(next)
            });
        let count = match entry {
            CompResult::Inserted(e) | CompResult::ReplacedWith(e) => e.into_value().1,
            _ => 1,
        };
        count <= self.limits.per_client
    }

    async fn key(&self, db: &PgPool) -> sqlx::Result<&[u8]> {
        self.key
            .get_or_try_init(|| async {
                sqlx::query_scalar!("select secret from app_secret where name = 'tip_form'")
                    .fetch_one(db)
                    .await
            })
            .await
            .map(Vec::as_slice)
    }

    /// A fresh stamp for a form of `municipality`, issued `now`.
    pub async fn stamp(
        &self,
        db: &PgPool,
        municipality: MunicipalityId,
        now: DateTime<Utc>,
    ) -> sqlx::Result<String> {
        let key = self.key(db).await?;
        let issued = now.timestamp();
        let nonce = Uuid::new_v4();
        Ok(format!(
            "{issued}.{nonce}.{}",
            signature(key, municipality, issued, nonce)
        ))
    }

    /// Checks a stamp sent back with a form of `municipality` at `now`.
    pub async fn check(
        &self,
        db: &PgPool,
        municipality: MunicipalityId,
        stamp: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<StampCheck> {
        let key = self.key(db).await?;
        let mut parts = stamp.trim().splitn(3, '.');
        let (Some(issued), Some(nonce), Some(sig)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(StampCheck::Invalid);
        };
        let (Ok(issued), Ok(nonce)) = (issued.parse::<i64>(), Uuid::parse_str(nonce)) else {
            return Ok(StampCheck::Invalid);
        };
        if !verify(key, municipality, issued, nonce, sig) {
            return Ok(StampCheck::Invalid);
        }
        let age = now.timestamp() - issued;
        let min = i64::try_from(self.limits.min_fill.as_secs()).unwrap_or(i64::MAX);
        Ok(if age < min {
            StampCheck::TooFast
        } else if age > MAX_AGE_SECONDS {
            StampCheck::Expired
        } else {
            StampCheck::Valid(nonce)
        })
    }
}

/// What a form's stamp says.
#[derive(Debug, PartialEq, Eq)]
pub enum StampCheck {
    /// Filled in by a person: the nonce, to claim once.
    Valid(Uuid),
    /// Sent sooner than a person fills in the form.
    TooFast,
    /// The page was open for more than [`MAX_AGE_SECONDS`].
    Expired,
    /// Missing, malformed or not ours.
    Invalid,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], municipality: MunicipalityId, issued: i64, nonce: Uuid) -> HmacSha256 {
    // A key of any length is accepted by HMAC.
    #[expect(clippy::expect_used, reason = "HMAC takes keys of any length")]
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC key");
    mac.update(format!("{municipality}.{issued}.{nonce}").as_bytes());
    mac
}

fn signature(key: &[u8], municipality: MunicipalityId, issued: i64, nonce: Uuid) -> String {
    mac(key, municipality, issued, nonce)
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn verify(key: &[u8], municipality: MunicipalityId, issued: i64, nonce: Uuid, hex: &str) -> bool {
    let Some(bytes) = decode_hex(hex) else {
        return false;
    };
    // Constant-time comparison.
    mac(key, municipality, issued, nonce)
        .verify_slice(&bytes)
        .is_ok()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_own_municipality_time_and_nonce() {
        let key = b"0123456789abcdef0123456789abcdef";
        let (m, n) = (MunicipalityId::of_row(Uuid::new_v4()), Uuid::new_v4());
        let sig = signature(key, m, 1000, n);
        assert!(verify(key, m, 1000, n, &sig));
        assert!(!verify(
            key,
            MunicipalityId::of_row(Uuid::new_v4()),
            1000,
            n,
            &sig
        ));
        assert!(!verify(key, m, 999, n, &sig));
        assert!(!verify(key, m, 1000, Uuid::new_v4(), &sig));
        assert!(!verify(b"another key", m, 1000, n, &sig));
        assert!(!verify(key, m, 1000, n, "zz"));
    }

    #[test]
    fn a_client_is_refused_past_its_limit_and_others_are_not() {
        let guard = TipGuard::new(TipLimits {
            per_client: 2,
            ..TipLimits::default()
        });
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        assert!(guard.admit(Some(a)));
        assert!(guard.admit(Some(a)));
        assert!(!guard.admit(Some(a)));
        assert!(guard.admit(Some(b)));
        assert!(guard.admit(None));
    }
}
