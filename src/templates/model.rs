//! The template format (`samordna-mall`, version 1): serde types, reading
//! with Swedish errors, the checks a template must pass before anything is
//! stored, and the built-in templates.
//!
//! A template is a structure without people: organisations, positions,
//! groups with their members, the EST vocabulary, agreement types and a
//! few settings. Everything refers to everything else by name (positions by
//! title), so a template can be written by hand; docs/templates.md
//! describes every field.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::structure::model::{OrgKind, Role, Tier};

/// The `format` every template names.
pub const FORMAT: &str = "samordna-mall";
/// The version this Samordna reads and writes.
pub const VERSION: u32 = 1;

pub use crate::meetings::model::{CadenceKind, MeetingMode};

fn is_false(value: &bool) -> bool {
    !*value
}

/// A municipality's structure without people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub format: String,
    pub version: u32,
    /// What the template is called ("Brås generiska modell").
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub guideline: Guideline,
    #[serde(default)]
    pub settings: Settings,
    pub organisations: Vec<Organisation>,
    pub positions: Vec<Position>,
    pub groups: Vec<Group>,
    #[serde(default)]
    pub areas: Vec<String>,
    #[serde(default)]
    pub incident_categories: Vec<Category>,
    #[serde(default)]
    pub agreement_types: Vec<AgreementType>,
}

/// The municipality's own guideline for the structure (riktlinje).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Guideline {
    pub title: String,
    pub adopted_by: String,
    pub adopted_on: Option<NaiveDate>,
    pub registry_no: String,
    pub owner: String,
    pub review_due: Option<NaiveDate>,
}

/// Municipal settings; each defaults to the database's default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// EST reports every week (1) or every other week (2).
    pub report_interval_weeks: i16,
    /// EST free texts are removed after this many months (1–240).
    pub retention_months: i32,
    /// Days before an agreement ends that it is flagged (1–730).
    pub agreement_warning_days: i32,
    /// Who decides the action plan: styrgrupp or beredningsgrupp.
    pub action_plan_body: Tier,
    /// Months between periodic lägesbilder (1–60).
    pub lagesbild_interval_months: i32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            report_interval_weeks: 1,
            retention_months: 24,
            agreement_warning_days: 90,
            action_plan_body: Tier::Styrgrupp,
            lagesbild_interval_months: 12,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub name: String,
    pub kind: OrgKind,
    /// Outside the municipality: cooperation needs a written agreement.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    pub title: String,
    /// The organisation's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Another position's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitute: Option<String>,
    /// The holder is the coordinator (administers the municipality).
    #[serde(default, skip_serializing_if = "is_false")]
    pub grants_admin: bool,
    /// The holder sees every group's meetings and reports.
    #[serde(default, skip_serializing_if = "is_false")]
    pub oversight: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub tier: Tier,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub task: String,
    /// The name of the group that appointed this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointed_by: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub decision_reference: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub focus_area: String,
    /// How often the group meets, in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cadence_text: String,
    /// Participants file weekly reports (the EST).
    #[serde(default, skip_serializing_if = "is_false")]
    pub weekly_reporting: bool,
    #[serde(default = "default_sort_order")]
    pub sort_order: i32,
    /// When meetings are planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cadence: Option<Cadence>,
    #[serde(default)]
    pub members: Vec<Member>,
}

fn default_sort_order() -> i32 {
    100
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The position's title.
    pub position: String,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cadence {
    pub kind: CadenceKind,
    /// Meetings each spring and each autumn (0–26; for `per_half_year`).
    #[serde(default)]
    pub per_half_year: i32,
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    /// "HH:MM".
    pub start_time: String,
    /// 5–600.
    pub duration_minutes: i32,
    pub form: MeetingMode,
    /// Places for meetings in person.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub meeting_link: String,
}

impl Cadence {
    /// The start time, when it reads as "HH:MM".
    pub fn start(&self) -> Option<NaiveTime> {
        NaiveTime::parse_from_str(&self.start_time, "%H:%M").ok()
    }
}

/// An EST incident category with its subcategories.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub name: String,
    /// The public may choose it on the tip form.
    #[serde(default, skip_serializing_if = "is_false")]
    pub public_tip: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subcategories: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementType {
    /// `samverkansavtal`, `samverkansoverenskommelse`, `medborgarloften` …
    pub key: String,
    pub name: String,
    /// Titles of the positions that sign agreements of this type.
    #[serde(default)]
    pub signatories: Vec<String>,
}

impl Template {
    /// The template as pretty JSON (what export writes).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The position whose holder becomes the coordinator.
    pub fn admin_position(&self) -> Option<&Position> {
        self.positions.iter().find(|p| p.grants_admin)
    }
}
