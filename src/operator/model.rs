//! What the operator's pages show and the pure rules behind them: the
//! county of a kommunkod, sizes in kB/MB, invitation tokens and their state.

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long a coordinator's invitation link works.
pub const INVITATION_HOURS: i64 = 72;

/// One municipality as the operator's list shows it: no records, only
/// figures about them.
pub struct MunicipalityRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub people: i64,
    pub last_activity: Option<DateTime<Utc>>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub exported_at: Option<DateTime<Utc>>,
    /// Something was recorded after the last export.
    pub changed_since_export: bool,
    /// Bytes of its rows (see [`crate::archive::sizes`]).
    pub bytes: i64,
}

impl MunicipalityRow {
    /// The county (län) of its kommunkod, when it has one.
    pub fn county(&self) -> &'static str {
        self.code
            .as_deref()
            .and_then(crate::sources::kolada::county_of)
            .map_or("–", |(_, name)| name)
    }

    /// `aktiv` or `avstängd`.
    pub fn status(&self) -> &'static str {
        if self.suspended_at.is_some() {
            "avstängd"
        } else {
            "aktiv"
        }
    }

    /// The data size, readable.
    pub fn size(&self) -> String {
        human_size(self.bytes)
    }

    /// Whether the municipality may be deleted now: exported, and nothing
    /// recorded since.
    pub fn may_delete(&self) -> bool {
        self.exported_at.is_some() && !self.changed_since_export
    }
}

/// A time as the operator's pages write it, in Swedish local time.
pub fn when(at: &DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Stockholm)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Bytes as kB or MB with a decimal comma ("12 kB", "3,4 MB").
pub fn human_size(bytes: i64) -> String {
    let kb = bytes as f64 / 1024.0;
    if kb < 1024.0 {
        format!("{} kB", kb.ceil() as i64)
    } else {
        format!("{:.1} MB", kb / 1024.0).replace('.', ",")
    }
}

/// A fresh invitation token (43 letters and digits) and its SHA-256, which
/// is all the database keeps.
pub fn new_token() -> (String, String) {
    let token: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect();
    let hash = token_hash(&token);
    (token, hash)
}

/// The SHA-256 of a token, in hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What an invitation link finds.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkState {
    Open,
    Used,
    Expired,
}

impl LinkState {
    /// The state of a link used at `now`.
    pub fn of(
        used_at: Option<DateTime<Utc>>,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Self {
        match used_at {
            Some(_) => Self::Used,
            None if expires_at <= now => Self::Expired,
            None => Self::Open,
        }
    }
}

/// The invitation's mail, in Swedish.
pub fn invitation_mail(name: &str, municipality: &str, link: &str, expires: &str) -> String {
    format!(
        "Hej {name}!\n\n\
         Du är inbjuden som samordnare för {municipality} i Samordna, kommunens stöd för \
         det brottsförebyggande arbetet.\n\n\
         Öppna länken och välj ett eget lösenord:\n{link}\n\n\
         Länken fungerar en gång och gäller till {expires} ({INVITATION_HOURS} timmar). \
         Har den gått ut, be driften om en ny inbjudan.\n\n\
         Om du inte väntade dig det här kan du bortse från brevet.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_written_in_kilobytes_or_megabytes_with_a_decimal_comma() {
        assert_eq!(human_size(0), "0 kB");
        assert_eq!(human_size(1500), "2 kB");
        assert_eq!(human_size(3_565_158), "3,4 MB");
    }

    #[test]
    fn a_link_is_used_expired_or_open() {
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        assert_eq!(LinkState::of(None, later, now), LinkState::Open);
        assert_eq!(LinkState::of(None, now, now), LinkState::Expired);
        assert_eq!(LinkState::of(Some(now), later, now), LinkState::Used);
    }

    #[test]
    fn a_token_is_kept_only_as_its_hash() {
        let (token, hash) = new_token();
        assert_eq!(token.len(), 43);
        assert_eq!(hash, token_hash(&token));
        assert_ne!(hash, token);
    }
}
