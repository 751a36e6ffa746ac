//! Planning's words and shapes: Swedish labels of levels, kinds and states,
//! the rows the pages list, and the forms as typed.

use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

crate::text_enum! {
    /// Where a goal sits in the tree. `goal.level`.
    pub enum GoalLevel {
        Vision = "vision" => "Vision",
        Goal = "goal" => "Mål",
        Subgoal = "subgoal" => "Delmål",
    }
}

crate::text_enum! {
    /// What a piece of decision material is. `plan_item.kind`.
    pub enum ItemKind {
        PriorityProposal = "priority_proposal" => "Prioriteringsförslag",
        CauseAnalysis = "cause_analysis" => "Orsaksanalys",
        ActionPlan = "action_plan" => "Åtgärdsplan",
    }
}

crate::text_enum! {
    /// How far a piece of decision material has come. `plan_item.status`.
    pub enum ItemStatus {
        Draft = "draft" => "Utkast",
        Presented = "presented" => "Presenterad",
        Decided = "decided" => "Beslutad",
        Returned = "returned" => "Återremitterad",
    }
}

crate::text_enum! {
    /// What a kartläggning source is. `kartlaggning_source.kind`.
    pub enum SourceKind {
        Survey = "trygghetsundersokning" => "Trygghetsundersökning",
        PoliceStatistics = "polisstatistik" => "Polisens statistik",
        Business = "naringsliv" => "Dialog med näringslivet",
        Associations = "foreningsliv" => "Dialog med föreningslivet",
        Other = "annan" => "Annan källa",
    }
}

crate::text_enum! {
    /// Where a measure stands. `measure.status`.
    pub enum MeasureStatus {
        Planned = "planned" => "Planerad",
        Ongoing = "ongoing" => "Pågår",
        Done = "done" => "Klar",
    }
}

/// Not done and past its due date.
pub fn is_delayed(status: MeasureStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    status != MeasureStatus::Done && due_on < today
}

/// The status as the lists show it: "Försenad" when not done in time.
pub fn state_label(status: MeasureStatus, due_on: NaiveDate, today: NaiveDate) -> &'static str {
    if is_delayed(status, due_on, today) {
        "Försenad"
    } else {
        status.label()
    }
}

/// A goal in the tree.
pub struct GoalRow {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub level: GoalLevel,
    pub title: String,
    pub indicator: String,
    pub target: String,
    pub target_date: Option<NaiveDate>,
    pub latest: Option<String>,
    pub depth: usize,
}

/// A piece of decision material.
pub struct ItemRow {
    pub id: Uuid,
    pub kind: ItemKind,
    pub title: String,
    pub status: ItemStatus,
    pub meeting: Option<String>,
}

impl ItemRow {
    /// `Orsaksanalys: …`, without repeating a kind the title already names.
    pub fn heading(&self) -> String {
        crate::web::words::with_kind(self.kind.label(), &self.title)
    }
}

/// A measure with its derived state.
pub struct MeasureRow {
    pub id: Uuid,
    pub title: String,
    pub responsible: Option<String>,
    pub goal: Option<String>,
    pub due_on: NaiveDate,
    pub percent_done: i32,
    pub status: MeasureStatus,
}

impl MeasureRow {
    pub fn state_label(&self, today: &NaiveDate) -> &'static str {
        state_label(self.status, self.due_on, *today)
    }

    pub fn delayed(&self, today: &NaiveDate) -> bool {
        is_delayed(self.status, self.due_on, *today)
    }
}

/// A kartläggning source.
pub struct SourceRow {
    pub id: Uuid,
    pub kind: SourceKind,
    pub title: String,
    pub source: String,
    pub on_date: NaiveDate,
    pub summary: String,
    pub has_document: bool,
}

impl SourceRow {}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct GoalForm {
    pub level: String,
    pub parent_id: String,
    pub goal_title: String,
    pub indicator: String,
    pub target: String,
    pub target_date: String,
    pub meeting_id: String,
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ItemForm {
    pub kind: String,
    pub item_parent_id: String,
    pub item_title: String,
    pub body: String,
    pub causes_victim: String,
    pub causes_offender: String,
    pub causes_place: String,
    pub item_sources: String,
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MeasureForm {
    pub measure_title: String,
    pub plan_id: String,
    pub goal_id: String,
    pub responsible_position_id: String,
    pub starts_on: String,
    pub due_on: String,
    pub milestones: String,
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}

#[derive(Default, Clone)]
pub struct SourceForm {
    pub source_kind: String,
    pub source_title: String,
    pub source: String,
    pub on_date: String,
    pub summary: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct LagesbildForm {
    pub lb_title: String,
    pub period_from: String,
    pub period_to: String,
    pub other_information: String,
    pub analysis: String,
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}
