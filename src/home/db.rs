//! The start page's data, read in one statement.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use super::getting_started::Facts;
use crate::error::AppResult;
use crate::est::week::ReportWeek;
use crate::meetings::db::Meeting;
use crate::structure::model::{Role, Tier};
use crate::web::day_start;
use crate::web::extract::CurrentUser;

/// A group the signed-in person takes part in, and how.
#[derive(Clone, Debug)]
pub struct MyGroup {
    pub id: Uuid,
    pub name: String,
    pub tier: Tier,
    pub position: String,
    /// "Sammankallande", "Ledamot", … or "Ersättare för kommundirektör".
    pub how: String,
}

/// A position a person holds in this municipality.
#[derive(Clone, Debug)]
pub struct MyPosition {
    pub title: String,
    pub organisation: Option<String>,
    pub held_from: NaiveDate,
    pub held_to: Option<NaiveDate>,
}

/// A measure of the signed-in person's that is not done.
#[derive(Clone, Debug, Deserialize)]
pub struct OpenMeasure {
    pub id: Uuid,
    pub title: String,
    pub due_on: NaiveDate,
    pub percent_done: i32,
    pub status: crate::planning::model::MeasureStatus,
}

/// A measure of the person's whose effect period has ended and that has
/// not been followed up since (no progress note from that day on).
#[derive(Clone, Debug, Deserialize)]
pub struct FollowUp {
    pub id: Uuid,
    pub title: String,
    pub ended_on: NaiveDate,
}

/// An organisation the person reports for, and whether the open week's
/// report is filed (nothing to report, or at least one entry).
#[derive(Clone, Debug, Deserialize)]
pub struct ReportDue {
    pub id: Uuid,
    pub name: String,
    pub filed: bool,
}

/// Something due in the municipality that the start page names for those
/// who run the work (`unreported` EST organisations, only for them) or
/// oversee it (late `measure`s, agreements `unsigned` or `expiring`,
/// groups with `no_meeting` planned).
#[derive(Clone, Debug, Deserialize)]
pub struct Signal {
    pub kind: SignalKind,
    pub id: Uuid,
    pub name: String,
    pub due: NaiveDate,
    /// Who an unsigned agreement waits for; an expiring one's counterpart;
    /// the EST lock's time.
    pub detail: Option<String>,
}

/// What kind of thing a [`Signal`] is about, as the start page's statement
/// names it (`kind` in `start_page.sql`); another name fails to decode.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// A measure past its due date.
    Measure,
    /// An agreement waiting for signatures.
    Unsigned,
    /// An agreement ending soon.
    Expiring,
    /// An agreement the municipality has signed, waiting for the
    /// counterpart's signature to be registered.
    Counterparty,
    /// A group with no meeting planned.
    NoMeeting,
    /// An EST organisation that has not reported.
    Unreported,
}

/// An agreement that waits for the person's signature, and for whom else.
#[derive(Debug, Clone, Deserialize)]
pub struct ToSign {
    pub id: Uuid,
    pub title: String,
    /// The other signatories who have not signed, with their holders
    /// ("kommundirektör (Anders Wikström)"); none when only the person is left.
    pub others: Option<String>,
}

/// Everything the start page shows, from one statement.
#[derive(Clone)]
pub struct StartPage {
    pub review_due: Option<NaiveDate>,
    /// What the first 30 minutes' checklist reads: only for administrators
    /// of a municipality still getting started.
    pub getting_started: Option<Facts>,
    pub signals: Vec<Signal>,
    /// Member positions nobody holds: only read for administrators.
    pub vacant: Option<Vec<(Uuid, String)>>,
    /// Agreements out for signing that one of the person's positions has
    /// not signed (those of `agreements::access::awaiting_my_signature`).
    pub to_sign: Vec<ToSign>,
    /// The EST week people report for now (see `EstAccess::open_week`).
    pub report_week: ReportWeek,
    pub reports: Vec<ReportDue>,
    pub measures: Vec<OpenMeasure>,
    pub follow_ups: Vec<FollowUp>,
    pub groups: Vec<MyGroup>,
    pub meetings: Vec<Meeting>,
    pub positions: Vec<MyPosition>,
}

/// A group the person sits in, as the statement gives it.
#[derive(Debug, Deserialize)]
struct GroupRow {
    id: Uuid,
    name: String,
    tier: Tier,
    position: String,
    role: Role,
    substitute_for: Option<String>,
}
/// A member position nobody holds.
#[derive(Debug, Deserialize)]
struct Vacant {
    id: Uuid,
    title: String,
}
/// A position the person holds.
#[derive(Debug, Deserialize)]
struct PositionRow {
    title: String,
    organisation: Option<String>,
    held_from: NaiveDate,
    held_to: Option<NaiveDate>,
}

impl From<GroupRow> for MyGroup {
    fn from(g: GroupRow) -> Self {
        MyGroup {
            id: g.id,
            name: g.name,
            tier: g.tier,
            position: g.position,
            how: match g.substitute_for {
                Some(of) => format!("Ersättare för {}", crate::web::words::in_sentence(&of)),
                None => g.role.label().to_owned(),
            },
        }
    }
}

impl From<PositionRow> for MyPosition {
    fn from(p: PositionRow) -> Self {
        MyPosition {
            title: p.title,
            organisation: p.organisation,
            held_from: p.held_from,
            held_to: p.held_to,
        }
    }
}

/// The start page's data in one statement (`start_page.sql`): the positions the person holds
/// on `day`, the active groups they sit in through them (directly or as the
/// substitute position of a member), the next five meetings of those groups
/// within 60 days, their open measures, and what waits for them (see
/// `home::home`): for administrators, member positions of
/// active groups that nobody holds.
pub async fn start_page(
    db: &PgPool,
    user: &CurrentUser,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<StartPage> {
    // The reporting week and its deadline window for either interval (1 or
    // 2 weeks, the municipality's setting picks one in the statement).
    let weeks = [1, 2].map(|i| ReportWeek::containing(day, i));
    let ends = [weeks[0].end(1), weeks[1].end(2)];
    let from = day_start(day);
    let r = sqlx::query_file!(
        "src/home/start_page.sql",
        user.tenant().get(),
        user.id(),
        day,
        user.municipality.is_admin,
        &weeks.map(|w| w.monday) as &[NaiveDate],
        &ends as &[NaiveDate],
        &weeks.map(|w| day_start(w.monday)) as &[DateTime<Utc>],
        &ends.map(day_start) as &[DateTime<Utc>],
        now,
        from,
        from + chrono::TimeDelta::days(60),
        user.municipality.is_admin || user.municipality.oversight,
        user.municipality.steering || user.municipality.council
    )
    .fetch_one(db)
    .await?;
    Ok(StartPage {
        review_due: r.review_due,
        getting_started: r.getting_started.map(|f| f.0),
        signals: r.signals.0,
        vacant: r
            .vacant
            .map(|v| v.0.into_iter().map(|p| (p.id, p.title)).collect()),
        to_sign: r.to_sign.0,
        report_week: ReportWeek {
            monday: r.report_week,
        },
        reports: r.reports.0,
        measures: r.measures.0,
        follow_ups: r.follow_ups.0,
        groups: r.groups.0.into_iter().map(MyGroup::from).collect(),
        meetings: r.meetings.0,
        positions: r.positions.0.into_iter().map(MyPosition::from).collect(),
    })
}
