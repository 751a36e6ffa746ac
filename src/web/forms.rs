//! Helpers for HTML forms: field errors shown next to their field, and
//! parsers for the values browsers send.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

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

/// Error messages by field name, in Swedish.
#[derive(Clone, Debug, Default)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    /// The message for a field, if any (templates call this).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All messages in field order, for the summary at the top of a form.
    pub fn all(&self) -> Vec<(&'static str, &str)> {
        self.0.iter().map(|(k, v)| (*k, v.as_str())).collect()
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
    let value = value.trim();
    if value.is_empty() {
        errors.add(field, format!("Fyll i {label}."));
    } else if value.chars().count() > max {
        errors.add(
            field,
            format!(
                "{label} får vara högst {max} tecken.",
                label = capitalise(label)
            ),
        );
    } else {
        super::guard::refuse(errors, field, value);
    }
    value.to_owned()
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
    } else {
        super::guard::refuse(errors, field, value);
    }
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

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
