//! Helpers for HTML forms: field errors shown next to their field, and
//! parsers for the values browsers send.

#![allow(clippy::disallowed_types)] // the one place that wraps axum's `Form` and `Query`

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::AppResult;

/// A form whose only field is the page's one-time token: a button that
/// removes, closes or decides something, which a double click must not do
/// twice ([`crate::web::change::Change::once`]).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}

/// `axum::Form`, with a rejection that renders our Swedish 400 page.
pub struct Form<T>(pub T);

impl<S, T> FromRequest<S> for Form<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = crate::error::AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(value)| Form(value))
            .map_err(|_| crate::error::AppError::BadRequest)
    }
}

/// `axum::extract::Query`, with a rejection that renders our Swedish 400
/// page instead of axum's plain text.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = crate::error::AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|_| crate::error::AppError::BadRequest)
    }
}

/// The "field" of a message for the page as a whole ([`FieldErrors::add_to_page`]).
const PAGE: &str = "";

/// Error messages by field name, in Swedish, in the order the checks
/// found them (which follows the form), one per field.
#[derive(Clone, Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// One message for one field: a form refused for a single reason.
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if !self.has(field) {
            self.0.push((field, message.into()));
        }
    }

    /// A refusal with no field to correct: what the form would change has
    /// changed since it was shown (the meeting was held, the report locked),
    /// and the page no longer offers the form. The summary says it without
    /// a link.
    pub fn add_to_page(&mut self, message: impl Into<String>) {
        self.add(PAGE, message);
    }

    /// Whether any message is by a field the reader can correct.
    pub fn has_fields(&self) -> bool {
        self.0.iter().any(|(f, _)| *f != PAGE)
    }

    /// The message for a field, if any (templates call this).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| *f == field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All messages in the order found, for the summary at the top of a form.
    pub fn all(&self) -> Vec<(&'static str, &str)> {
        self.0.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    /// The messages as lines of text, `field: message`, for a terminal or a
    /// log (the command line and the demo report a refused template so).
    pub fn lines(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|(field, message)| match *field {
                PAGE => message.clone(),
                field => format!("{field}: {message}"),
            })
            .collect()
    }
}

/// Why a single-line value (a name, a title, an address, a place) cannot be
/// stored, or `None` when it can.
///
/// Refused: every control character (Unicode `Cc`: C0 U+0000–U+001F with
/// TAB, CR, LF and NUL, DEL U+007F, C1 U+0080–U+009F with NEL U+0085), the
/// line and paragraph separators U+2028/U+2029, and the bidirectional
/// embeddings, overrides and isolates U+202A–U+202E, U+2066–U+2069, which
/// can make a name read differently from what it is. Such characters end up
/// in e-mail headers, iCalendar lines and CSV cells, where they break lines.
/// Allowed: everything else, including the zero-width joiners and the
/// left-to-right/right-to-left marks (U+200C, U+200D, U+200E, U+200F) that
/// some scripts need.
pub fn line_problem(value: &str) -> Option<&'static str> {
    let bad = value.chars().find(|c| is_line_breaking(*c))?;
    Some(
        if matches!(bad, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            "får inte innehålla radbrytningar"
        } else if bad == '\t' {
            "får inte innehålla tabbtecken"
        } else if is_bidi_control(bad) {
            "får inte innehålla tecken som vänder textens riktning"
        } else {
            "får inte innehålla osynliga styrtecken"
        },
    )
}

/// Why a multi-line value (a `<textarea>`) cannot be stored, or `None`.
/// Line breaks (CR, LF, U+2028, U+2029, NEL) and TAB are allowed; NUL, the
/// other control characters and the bidirectional overrides are refused.
pub fn text_problem(value: &str) -> Option<&'static str> {
    let bad = value.chars().find(|c| {
        is_line_breaking(*c)
            && !matches!(c, '\n' | '\r' | '\t' | '\u{85}' | '\u{2028}' | '\u{2029}')
    })?;
    Some(if is_bidi_control(bad) {
        "får inte innehålla tecken som vänder textens riktning"
    } else {
        "får inte innehålla osynliga styrtecken"
    })
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_line_breaking(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_bidi_control(c)
}

/// A required single-line field: like [`required_text`], and refuses the
/// characters [`line_problem`] names.
pub fn required_line(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    label: &str,
    max: usize,
) -> String {
    let value = required_text(errors, field, value, label, max);
    check_line(errors, field, &value, label);
    value
}

/// An optional single-line field: like [`optional_text`], and refuses the
/// characters [`line_problem`] names.
pub fn optional_line(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    label: &str,
    max: usize,
) -> String {
    let value = optional_text(errors, field, value, label, max);
    check_line(errors, field, &value, label);
    value
}

/// Adds the single-line error for `value`, if any, to `field`.
pub fn check_line(errors: &mut FieldErrors, field: &'static str, value: &str, label: &str) {
    if let Some(problem) = line_problem(value) {
        errors.add(field, format!("{} {problem}.", capitalise(label)));
    }
}

fn check_text(errors: &mut FieldErrors, field: &'static str, value: &str, label: &str) {
    if let Some(problem) = text_problem(value) {
        errors.add(field, format!("{} {problem}.", capitalise(label)));
    }
}

/// A required text field: trimmed, not empty, at most `max` characters, and
/// without a personnummer or samordningsnummer ([`super::guard`]).
pub fn required_text(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    label: &str,
    max: usize,
) -> String {
    if value.trim().is_empty() {
        errors.add(field, format!("Fyll i {label}."));
        return String::new();
    }
    optional_text(errors, field, value, label, max)
}

/// An optional text field: trimmed, at most `max` characters, and without a
/// personnummer or samordningsnummer ([`super::guard`]).
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    label: &str,
    max: usize,
) -> String {
    let value = value.trim();
    if value.chars().count() > max {
        errors.add(
            field,
            format!("{} får vara högst {max} tecken.", capitalise(label)),
        );
    } else if let Some(message) = super::guard::check(value).refusal_message() {
        errors.add(field, message);
    }
    check_text(errors, field, value, label);
    value.to_owned()
}

/// A date from `<input type="date">` (`YYYY-MM-DD`); empty gives `None`.
pub fn optional_date(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> Option<NaiveDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        // Far-off years would make calendars, plans and reminders work on
        // dates nobody means (and overflow date arithmetic).
        Ok(date) if !(1900..=2200).contains(&date.year()) => {
            errors.add(field, "Ange ett datum mellan år 1900 och 2200.");
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            errors.add(
                field,
                "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-01-31.",
            );
            None
        }
    }
}

/// A required date.
pub fn required_date(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
) -> Option<NaiveDate> {
    if value.trim().is_empty() {
        errors.add(field, "Ange ett datum.");
        return None;
    }
    optional_date(errors, field, value)
}

/// An id chosen in a `<select>`; empty gives `None`.
pub fn optional_id(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<Uuid> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match Uuid::parse_str(value) {
        Ok(id) => Some(id),
        Err(_) => {
            errors.add(field, "Välj ett alternativ i listan.");
            None
        }
    }
}

/// A required choice from a `<select>`.
pub fn required_id(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    message: &str,
) -> Option<Uuid> {
    if value.trim().is_empty() {
        errors.add(field, message);
        return None;
    }
    optional_id(errors, field, value)
}

/// A plausible e-mail address, lower-cased.
pub fn email(errors: &mut FieldErrors, field: &'static str, value: &str) -> String {
    let value = value.trim().to_lowercase();
    let valid = value.len() <= 254
        && !value.contains(char::is_whitespace)
        && line_problem(&value).is_none()
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if value.is_empty() {
        errors.add(field, "Fyll i e-postadressen.");
    } else if !valid {
        errors.add(
            field,
            "Ange en giltig e-postadress, till exempel namn@kommun.se.",
        );
    }
    value
}

/// An e-mail address that may be left out: empty, or as [`email`].
pub fn optional_email(errors: &mut FieldErrors, field: &'static str, value: &str) -> String {
    if value.trim().is_empty() {
        String::new()
    } else {
        email(errors, field, value)
    }
}

/// A Swedish or international phone number as people write it: digits
/// with spaces, hyphens, brackets and a leading plus, 7 to 15 digits.
pub fn is_phone(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'))
        && (7..=15).contains(&digits)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A form page shown again with its errors: `422 Unprocessable Entity`.
pub fn unprocessable(page: impl IntoResponse) -> AppResult<Response> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_lines_with_their_field_and_a_page_message_alone() {
        let mut errors = FieldErrors::default();
        errors.add("slug", "Kortnamnet finns redan.");
        errors.add_to_page("Mötet är redan genomfört.");
        errors.add("slug", "A second message for the same field is not kept.");
        assert_eq!(
            errors.lines(),
            ["slug: Kortnamnet finns redan.", "Mötet är redan genomfört."]
        );
        assert!(errors.has_fields());
        let only_page = {
            let mut e = FieldErrors::default();
            e.add_to_page("Protokollet är redan justerat.");
            e
        };
        assert!(!only_page.has_fields());
    }

    #[test]
    fn a_text_with_an_identity_number_gets_the_refusal_next_to_its_field() {
        let mut errors = FieldErrors::default();
        optional_text(
            &mut errors,
            "agenda",
            "Ring 070-123 45 67",
            "dagordning",
            100,
        );
        assert!(errors.is_empty());
        optional_text(
            &mut errors,
            "agenda",
            "Gäller 81 12 18 - 9876",
            "dagordning",
            100,
        );
        assert!(
            errors
                .get("agenda")
                .is_some_and(|m| m.contains("811218-****")),
            "{errors:?}"
        );
    }

    #[test]
    fn the_summary_lists_errors_in_the_order_the_form_was_checked() {
        let mut e = FieldErrors::default();
        e.add("title", "Fyll i rubriken.");
        e.add("text", "Fyll i löftets text.");
        e.add("title", "Ett andra fel på samma fält visas inte.");
        assert_eq!(
            e.all(),
            [
                ("title", "Fyll i rubriken."),
                ("text", "Fyll i löftets text.")
            ]
        );
        assert_eq!(e.get("text"), Some("Fyll i löftets text."));
        assert!(e.has("title") && !e.has("place"));
    }

    #[test]
    fn a_date_in_swedish_form_is_accepted_and_a_slash_date_is_refused() {
        let mut errors = FieldErrors::default();
        assert_eq!(
            optional_date(&mut errors, "d", "2024-04-30"),
            NaiveDate::from_ymd_opt(2024, 4, 30)
        );
        assert!(errors.is_empty());
        assert_eq!(optional_date(&mut errors, "d", "30/4/2024"), None);
        assert!(errors.get("d").is_some_and(|m| m.contains("ÅÅÅÅ-MM-DD")));
        for far in [
            "0001-01-01",
            "9999-12-31",
            "1899-12-31",
            "2201-01-01",
            "+12345-01-01",
        ] {
            let mut errors = FieldErrors::default();
            assert_eq!(optional_date(&mut errors, "d", far), None, "{far}");
            assert!(errors.has("d"), "{far}");
        }
    }

    #[test]
    fn an_email_is_lower_cased_and_a_broken_one_is_refused() {
        let mut errors = FieldErrors::default();
        assert_eq!(
            email(&mut errors, "e", " Anna@Kommun.SE "),
            "anna@kommun.se"
        );
        assert!(errors.is_empty());
        email(&mut errors, "e", "anna@kommun");
        assert!(errors.has("e"));
    }

    #[test]
    fn text_fields_refuse_an_identity_number_and_keep_other_numbers() {
        for value in ["Gäller 81 12 18-9876", "pnr８１１２１８－９８７６"] {
            let mut errors = FieldErrors::default();
            required_text(&mut errors, "agenda", value, "dagordningen", 1000);
            assert!(
                errors
                    .get("agenda")
                    .is_some_and(|m| m.contains("personnummer"))
            );
            let mut errors = FieldErrors::default();
            optional_text(&mut errors, "place", value, "platsen", 1000);
            assert!(errors.has("place"));
        }
        let mut errors = FieldErrors::default();
        required_text(
            &mut errors,
            "agenda",
            "Möte 2026-11-24, ring 070-123 45 67",
            "x",
            100,
        );
        optional_text(&mut errors, "place", "Rum 2024/70", "x", 100);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn required_text_names_the_field_in_its_message() {
        let mut errors = FieldErrors::default();
        required_text(&mut errors, "name", "   ", "namnet", 10);
        assert_eq!(errors.get("name"), Some("Fyll i namnet."));
        let mut errors = FieldErrors::default();
        required_text(&mut errors, "name", "abcdefghijkl", "namnet", 10);
        assert_eq!(errors.get("name"), Some("Namnet får vara högst 10 tecken."));
    }

    /// Every spelling of a line break, tab, invisible control or direction
    /// override the single-line fields refuse, with the message they get.
    const REFUSED_IN_A_LINE: &[(&str, &str)] = &[
        ("Anna\r\nBcc: x@y.se", "radbrytningar"),
        ("Anna\nBcc: x@y.se", "radbrytningar"),
        ("Anna\rBcc: x@y.se", "radbrytningar"),
        ("Anna\u{85}Berg", "radbrytningar"),
        ("Anna\u{2028}Berg", "radbrytningar"),
        ("Anna\u{2029}Berg", "radbrytningar"),
        ("Anna\tBerg", "tabbtecken"),
        ("Anna\0Berg", "styrtecken"),
        ("Anna\u{1}Berg", "styrtecken"),
        ("Anna\u{1b}[31mBerg", "styrtecken"),
        ("Anna\u{7f}Berg", "styrtecken"),
        ("Anna\u{80}Berg", "styrtecken"),
        ("Anna\u{9f}Berg", "styrtecken"),
        ("Anna \u{202E}greB", "riktning"),
        ("Anna \u{202A}Berg", "riktning"),
        ("Anna \u{2066}Berg\u{2069}", "riktning"),
    ];

    #[test]
    fn a_single_line_field_refuses_every_line_break_tab_control_and_direction_override() {
        for (value, word) in REFUSED_IN_A_LINE {
            let mut errors = FieldErrors::default();
            required_line(&mut errors, "name", value, "namnet", 200);
            let message = errors.get("name").unwrap_or_default();
            assert!(
                message.starts_with("Namnet får inte innehålla") && message.contains(word),
                "{value:?} gave {message:?}"
            );
            let mut errors = FieldErrors::default();
            optional_line(&mut errors, "place", value, "platsen", 200);
            assert!(errors.has("place"), "{value:?} was accepted");
        }
    }

    #[test]
    fn a_single_line_field_keeps_letters_marks_and_joiners_of_any_script() {
        for value in [
            "Åsa Öberg-Ärlig",
            "Zoë d’Artagnan",
            "محمد \u{200F}علي",
            "Sofia\u{200D}🙂",
            "נועה\u{200E} Cohen",
            "Łukasz Żółć",
        ] {
            let mut errors = FieldErrors::default();
            assert_eq!(
                required_line(&mut errors, "name", value, "namnet", 200),
                value
            );
            assert!(
                errors.is_empty(),
                "{value:?} was refused: {:?}",
                errors.all()
            );
        }
    }

    #[test]
    fn a_multi_line_field_keeps_line_breaks_and_tabs_but_refuses_nul_controls_and_overrides() {
        let mut errors = FieldErrors::default();
        required_text(
            &mut errors,
            "agenda",
            "1. Inledning\r\n2.\tLäget\n3. Övrigt\u{2028}slut",
            "dagordningen",
            500,
        );
        assert!(errors.is_empty());
        for value in ["a\0b", "a\u{1b}b", "a\u{7}b", "a\u{9b}b", "a\u{202E}b"] {
            let mut errors = FieldErrors::default();
            optional_text(&mut errors, "agenda", value, "dagordningen", 500);
            assert!(
                errors
                    .get("agenda")
                    .is_some_and(|m| m.starts_with("Dagordningen får inte innehålla")),
                "{value:?} was accepted"
            );
        }
    }

    #[test]
    fn an_email_with_a_control_character_or_line_break_is_refused() {
        for value in [
            "anna@kommun.se\r\nbcc:x@y.se",
            "anna@kommun.se\u{0}",
            "anna\u{85}@kommun.se",
            "anna@kommun.se\u{2028}x",
            "anna\u{202E}@kommun.se",
            "anna\u{7f}@kommun.se",
        ] {
            let mut errors = FieldErrors::default();
            email(&mut errors, "email", value);
            assert!(errors.has("email"), "{value:?} was accepted");
        }
    }
}
