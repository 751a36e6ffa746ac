//! The meetings' words and typed input: Swedish labels, dates written out,
//! and the parsers shared by the meeting, cadence and term forms.

use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::Deserialize;
use uuid::Uuid;

use super::calendar;
use crate::web::forms::{self, FieldErrors};

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

crate::text_enum! {
    /// Where a meeting is held: in a room or online. `meeting.form`,
    /// `group_cadence.form`.
    pub enum MeetingMode {
        InPerson = "in_person",
        Online = "online",
    }
}

crate::text_enum! {
    /// Where a meeting stands. `meeting.status`.
    pub enum MeetingStatus {
        Planned = "planned",
        Held = "held",
        Cancelled = "cancelled",
    }
}

crate::text_enum! {
    /// How a group meets: every week, or a number of times each half-year.
    /// `group_cadence.kind`.
    pub enum CadenceKind {
        Weekly = "weekly",
        PerHalfYear = "per_half_year",
    }
}

crate::text_enum! {
    /// Whether a member position attended a meeting.
    /// `meeting_attendance.status`.
    pub enum AttendanceStatus {
        Present = "present" => "Närvarande",
        Absent = "absent" => "Frånvarande",
        SubstitutePresent = "substitute_present" => "Ersättare närvarande",
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
pub fn parse_form(errors: &mut FieldErrors, field: &'static str, value: &str) -> MeetingMode {
    value.parse().unwrap_or_else(|_| {
        errors.add(field, "Välj om mötet är fysiskt eller digitalt.");
        MeetingMode::InPerson
    })
}

/// The link of a digital meeting: an `https://` address with a host. A
/// physical meeting keeps no link, so one left in the field from before the
/// form was changed is dropped, not refused.
pub fn parse_link(errors: &mut FieldErrors, mode: MeetingMode, value: &str) -> String {
    if mode == MeetingMode::InPerson {
        return String::new();
    }
    let link = forms::optional_line(errors, "meeting_link", value, "möteslänken", 1000);
    let usable = link.starts_with("https://")
        && reqwest::Url::parse(&link).is_ok_and(|url| {
            url.scheme() == "https" && url.host_str().is_some_and(|h| h.contains('.'))
        });
    if !link.is_empty() && !usable {
        errors.add(
            "meeting_link",
            "Möteslänken ska vara en hel webbadress som börjar med https://, till exempel https://teams.microsoft.com/…",
        );
    }
    link
}

/// The place of a physical meeting. A digital meeting keeps none (its
/// kallelse names its link), so a place left in the field is dropped.
pub fn place_for(mode: MeetingMode, place: String) -> String {
    if mode == MeetingMode::Online {
        String::new()
    } else {
        place
    }
}

/// A decision as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DecisionForm {
    pub text: String,
    /// `note`, `group` or `task`.
    pub kind: String,
    pub group_name: String,
    pub group_task: String,
    pub group_focus: String,
    pub task_title: String,
    pub task_owner: String,
    pub task_due: String,
    pub form_token: String,
}

/// `2026-12`, the month parameter of `/moten`.
pub fn month_key(date: NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}

/// What a decision brings about besides its text.
pub enum Consequence {
    Note,
    /// A temporary working group appointed by the decision.
    Group {
        name: String,
        task: String,
        focus: String,
    },
    /// A task given to a position.
    Task {
        title: String,
        owner: Uuid,
        due: NaiveDate,
    },
}

impl Consequence {
    pub fn group_name(&self) -> Option<&str> {
        match self {
            Self::Group { name, .. } => Some(name),
            _ => None,
        }
    }

    pub fn task_title(&self) -> Option<&str> {
        match self {
            Self::Task { title, .. } => Some(title),
            _ => None,
        }
    }
}

impl DecisionForm {
    /// The decision's text and what it brings about; the problems go to
    /// `e` (a missing owner or due date leaves it a note, with the error).
    pub fn parse(&self, e: &mut FieldErrors) -> (String, Consequence) {
        let text = forms::required_text(e, "text", &self.text, "beslutet", 4000);
        let consequence = match self.kind.as_str() {
            "group" => Consequence::Group {
                name: forms::required_line(
                    e,
                    "group_name",
                    &self.group_name,
                    "arbetsgruppens namn",
                    200,
                ),
                task: forms::required_text(
                    e,
                    "group_task",
                    &self.group_task,
                    "arbetsgruppens uppdrag",
                    4000,
                ),
                focus: forms::optional_line(
                    e,
                    "group_focus",
                    &self.group_focus,
                    "fokusområdet",
                    300,
                ),
            },
            "task" => {
                let title =
                    forms::required_line(e, "task_title", &self.task_title, "uppgiften", 300);
                let owner = forms::required_id(
                    e,
                    "task_owner",
                    &self.task_owner,
                    "Välj vilken befattning som äger uppgiften.",
                );
                let due = forms::required_date(e, "task_due", &self.task_due);
                match (owner, due) {
                    (Some(owner), Some(due)) => Consequence::Task { title, owner, due },
                    _ => Consequence::Note,
                }
            }
            "note" | "" => Consequence::Note,
            _ => {
                e.add("kind", "Välj vad beslutet innebär.");
                Consequence::Note
            }
        };
        (text, consequence)
    }
}

crate::text_enum! {
    /// What a sending to a meeting's members was: a kallelse or a
    /// cancellation. `meeting_sending.kind`.
    pub enum SendingKind {
        Invitation = "invitation" => "kallelse",
        Cancellation = "cancellation" => "återbud",
    }
}
