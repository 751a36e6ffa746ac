//! The meetings' words and typed input: Swedish labels, dates written out,
//! and the parsers shared by the meeting, cadence and term forms.

use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::Deserialize;

use super::calendar;
use crate::web::forms::FieldErrors;

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// `torsdag 3 december 2026`.
pub fn long_date(date: NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        calendar::swedish_weekday(date.weekday()),
        date.day(),
        month_name(date.month()),
        date.year()
    )
}

/// `december`.
pub fn month_name(month: u32) -> &'static str {
    MONTHS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

/// Swedish labels of the meeting forms.
pub fn form_label(form: &str) -> &'static str {
    match form {
        "online" => "Digitalt (länk)",
        _ => "Fysiskt möte",
    }
}

/// Swedish label of an attendance status.
pub fn attendance_label(status: &str) -> &'static str {
    match status {
        "present" => "Närvarande",
        "absent" => "Frånvarande",
        "substitute_present" => "Ersättare närvarande",
        _ => "Ej angivet",
    }
}

/// Parses a `HH:MM` time.
pub fn parse_time(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<NaiveTime> {
    let parsed = NaiveTime::parse_from_str(value.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(value.trim(), "%H.%M"));
    match parsed {
        Ok(t) => Some(t),
        Err(_) => {
            errors.add(field, "Ange tiden som TT:MM, till exempel 09:00.");
            None
        }
    }
}

/// Parses a duration in minutes (5 to 600).
pub fn parse_duration(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<u32> {
    match value.trim().parse::<u32>() {
        Ok(n) if (5..=600).contains(&n) => Some(n),
        _ => {
            errors.add(field, "Ange längden i minuter, mellan 5 och 600.");
            None
        }
    }
}

/// `online` or `in_person`.
pub fn parse_form(errors: &mut FieldErrors, field: &'static str, value: &str) -> &'static str {
    match value {
        "online" => "online",
        "in_person" => "in_person",
        _ => {
            errors.add(field, "Välj om mötet är fysiskt eller digitalt.");
            "in_person"
        }
    }
}

/// A decision as typed.
#[derive(Deserialize, Default, Clone)]
pub struct DecisionForm {
    #[serde(default)]
    pub text: String,
    /// `note`, `group` or `task`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub group_name: String,
    #[serde(default)]
    pub group_task: String,
    #[serde(default)]
    pub group_focus: String,
    #[serde(default)]
    pub task_title: String,
    #[serde(default)]
    pub task_owner: String,
    #[serde(default)]
    pub task_due: String,
    #[serde(default)]
    pub form_token: String,
}

/// `2026-12`, the month parameter of `/moten`.
pub fn month_key(date: NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}
