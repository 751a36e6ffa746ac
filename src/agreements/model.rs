//! An agreement's life cycle and fingerprints. The stored status is only
//! draft, for signing or terminated; partly signed, signed, in force and
//! expired follow from the signatures and the dates.

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

crate::text_enum! {
    /// The stored status of an agreement. `agreement.status`.
    pub enum AgreementStatus {
        Draft = "draft",
        ForSigning = "for_signing",
        Terminated = "terminated",
    }
}

impl AgreementStatus {
    /// Why the counterpart's signature cannot be registered now, if not:
    /// a draft may still change, a terminated agreement is closed.
    pub fn takes_no_counterparty(self) -> Option<&'static str> {
        match self {
            AgreementStatus::Draft => Some(
                "Avtalet är ett utkast. Skicka det för signering innan motpartens signatur registreras.",
            ),
            AgreementStatus::Terminated => Some("Avtalet är avslutat."),
            AgreementStatus::ForSigning => None,
        }
    }

    pub fn is_draft(self) -> bool {
        self == AgreementStatus::Draft
    }

    pub fn is_terminated(self) -> bool {
        self == AgreementStatus::Terminated
    }
}

/// The signatures on an agreement's current version.
#[derive(Clone, Copy, Debug)]
pub struct Signatures {
    /// The municipality's signatory positions, and how many have signed.
    pub required: usize,
    pub signed: usize,
    /// The counterpart has signed (see `agreement_counterparty_signed`).
    pub counterparty: bool,
}

impl Signatures {
    /// From the counts the queries give.
    pub fn of(required: i64, signed: i64, counterparty: bool) -> Self {
        Self {
            required: usize::try_from(required).unwrap_or(0),
            signed: usize::try_from(signed).unwrap_or(0),
            counterparty,
        }
    }
}

/// Where an agreement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Draft,
    ForSigning,
    PartlySigned,
    /// The municipality has signed; the counterpart's signature is not
    /// registered, so the agreement is not concluded.
    AwaitingCounterparty,
    /// Every signature is there but the agreement starts later.
    Signed,
    InForce,
    Expired,
    Terminated,
}

impl State {
    /// Derives the state on `today`.
    pub fn derive(
        status: AgreementStatus,
        signatures: Signatures,
        valid_from: NaiveDate,
        valid_to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Self {
        let Signatures {
            required,
            signed,
            counterparty,
        } = signatures;
        match status {
            AgreementStatus::Terminated => State::Terminated,
            AgreementStatus::Draft => State::Draft,
            _ if required == 0 || signed < required => {
                if signed == 0 {
                    State::ForSigning
                } else {
                    State::PartlySigned
                }
            }
            _ if valid_to.is_some_and(|to| to < today) => State::Expired,
            _ if !counterparty => State::AwaitingCounterparty,
            _ if valid_from > today => State::Signed,
            _ => State::InForce,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "Utkast",
            State::ForSigning => "Väntar på signaturer",
            State::PartlySigned => "Delvis signerat",
            State::AwaitingCounterparty => "Väntar på motpartens signatur",
            State::Signed => "Signerat, ännu inte giltigt",
            State::InForce => "I kraft",
            State::Expired => "Upphört att gälla",
            State::Terminated => "Avslutat",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::ForSigning => "for-signing",
            State::PartlySigned => "partly-signed",
            State::AwaitingCounterparty => "awaiting-counterparty",
            State::Signed => "signed",
            State::InForce => "in-force",
            State::Expired => "expired",
            State::Terminated => "terminated",
        }
    }

    /// Waiting for one or more of the municipality's signatures.
    pub fn awaits_signatures(self) -> bool {
        matches!(self, State::ForSigning | State::PartlySigned)
    }

    /// Waiting for a signature: the municipality's or the counterpart's.
    pub fn is_waiting(self) -> bool {
        self.awaits_signatures() || self == State::AwaitingCounterparty
    }
}

/// A group the counterpart takes part in, and its role there.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct GroupRole {
    pub group_id: Uuid,
    pub group: String,
    pub role: String,
}

/// What a version says: everything a signature vouches for, in a fixed order.
#[derive(Debug, Serialize)]
pub struct Content<'a> {
    pub agreement_type: &'a str,
    pub counterpart: &'a str,
    pub title: &'a str,
    pub registry_no: &'a str,
    pub purposes: &'a str,
    pub areas: &'a str,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub contact_people: &'a str,
    pub notes: &'a str,
    pub groups: &'a [GroupRole],
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Content<'_> {
    /// The SHA-256 of the content's canonical JSON.
    pub fn sha256(&self) -> String {
        sha256_hex(serde_json::to_string(self).unwrap_or_default().as_bytes())
    }
}

/// The version's fingerprint: over the content's and the document's.
pub fn fingerprint(content_sha256: &str, document_sha256: Option<&str>) -> String {
    sha256_hex(format!("{content_sha256}:{}", document_sha256.unwrap_or("")).as_bytes())
}

/// The largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Whether bytes are a PDF, judged by content (the `%PDF-` header and an
/// end-of-file marker), not by the file name.
pub fn is_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn an_unknown_agreement_status_is_an_error_not_a_state() {
        for status in AgreementStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert!("signed".parse::<AgreementStatus>().is_err());
    }

    /// `signed` of `required` municipal signatures, the counterpart's too.
    fn sig(required: usize, signed: usize) -> Signatures {
        Signatures {
            required,
            signed,
            counterparty: true,
        }
    }

    #[test]
    fn the_state_follows_from_signatures_and_dates() {
        let today = d(2026, 11, 25);
        let from = d(2026, 1, 1);
        // Every municipal signature, but the counterpart's is missing.
        let unconcluded = Signatures {
            counterparty: false,
            ..sig(2, 2)
        };
        assert_eq!(
            State::derive(AgreementStatus::ForSigning, unconcluded, from, None, today),
            State::AwaitingCounterparty
        );
        assert_eq!(
            State::derive(AgreementStatus::Draft, sig(2, 0), from, None, today),
            State::Draft
        );
        assert_eq!(
            State::derive(AgreementStatus::ForSigning, sig(2, 0), from, None, today),
            State::ForSigning
        );
        assert_eq!(
            State::derive(AgreementStatus::ForSigning, sig(2, 1), from, None, today),
            State::PartlySigned
        );
        assert_eq!(
            State::derive(AgreementStatus::ForSigning, sig(2, 2), from, None, today),
            State::InForce
        );
        assert_eq!(
            State::derive(
                AgreementStatus::ForSigning,
                sig(2, 2),
                from,
                Some(d(2026, 11, 24)),
                today
            ),
            State::Expired
        );
        assert_eq!(
            State::derive(
                AgreementStatus::ForSigning,
                sig(2, 2),
                from,
                Some(today),
                today
            ),
            State::InForce
        );
        assert_eq!(
            State::derive(
                AgreementStatus::ForSigning,
                sig(2, 2),
                d(2027, 1, 1),
                None,
                today
            ),
            State::Signed
        );
        assert_eq!(
            State::derive(AgreementStatus::Terminated, sig(2, 2), from, None, today),
            State::Terminated
        );
    }

    #[test]
    fn a_pdf_is_known_by_its_content_not_its_name() {
        assert!(is_pdf(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"));
        assert!(!is_pdf(b"PK\x03\x04 a zip file named avtal.pdf"));
        assert!(!is_pdf(b"%PDF-1.4 but cut off"));
    }

    #[test]
    fn any_change_of_content_changes_the_fingerprint() {
        let groups = [];
        let content = |title| Content {
            agreement_type: "samverkansavtal",
            counterpart: "Securitas",
            title,
            registry_no: "KS 2026/1",
            purposes: "Trygghet",
            areas: "Centrum",
            valid_from: d(2026, 1, 1),
            valid_to: None,
            contact_people: "",
            notes: "",
            groups: &groups,
        };
        let a = content("Avtal").sha256();
        assert_eq!(a, content("Avtal").sha256());
        assert_ne!(a, content("Avtal.").sha256());
        assert_eq!(a.len(), 64);
        assert_ne!(fingerprint(&a, None), fingerprint(&a, Some("abc")));
    }
}
