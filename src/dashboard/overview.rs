//! Everything on the page besides the incident figures, in one statement.

use chrono::{Days, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::types::Json;
use uuid::Uuid;

use super::{AgreementCounts, AreaRow, GoalLine, GroupLine, MeasureCounts};
use crate::agreements::model::{Signatures, State as AgreementState};
use crate::error::AppResult;
use crate::meetings::cadence::{ActiveSpan, Cadence, Compliance, MeetingCounts};
use crate::meetings::calendar::Term;
use crate::planning::effect::MeasureLine;
use crate::state::AppState;
use crate::structure::model::Tier;
use crate::tenant::MunicipalityId;
use crate::web::choice::Choice;
use crate::web::day_start;
use crate::web::today;

/// A coming high-risk event as the statement brings it.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct RiskRow {
    pub(super) occurs_on: NaiveDate,
    pub(super) area: Option<String>,
    pub(super) title: Option<String>,
}

/// An active group with its cadence and this term's meetings, counted.
#[derive(Debug, Deserialize)]
struct GroupRow {
    id: Uuid,
    name: String,
    tier: Tier,
    cadence: Option<Cadence>,
    #[serde(flatten)]
    active: ActiveSpan,
    #[serde(flatten)]
    counts: MeetingCounts,
    next_planned: Option<NaiveDate>,
}

/// What decides an agreement's state.
#[derive(Debug, Deserialize)]
struct AgreementRow {
    status: crate::agreements::model::AgreementStatus,
    required: i64,
    signed: i64,
    counterparty: bool,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
}

/// Everything on the page besides the incident figures.
#[derive(Clone)]
pub(super) struct Overview {
    pub(super) risks: Vec<RiskRow>,
    pub(super) open_needs: i64,
    pub(super) areas: Vec<Choice>,
    pub(super) groups: Vec<GroupLine>,
    pub(super) agreements: Option<AgreementCounts>,
    pub(super) measures: Option<MeasureCounts>,
    pub(super) goals: Option<Vec<GoalLine>>,
    pub(super) review_due: Option<NaiveDate>,
    /// Ongoing and finished measures, their progress and indicated effect.
    pub(super) effects: Option<Vec<MeasureLine>>,
    /// The kommunkod and the first indicator's values from Kolada for it,
    /// its county and the country.
    pub(super) kolada_code: Option<String>,
    pub(super) kolada: Vec<crate::sources::kolada::Stored>,
}

/// The rest of the page in one statement. Groups: every active group in the
/// order of `/struktur` for the full view, else only the EST (the active
/// group with weekly reporting). Agreements, measures and goals: full view
/// only. Coming events follow the area filter.
pub(super) async fn overview(
    state: &AppState,
    m: MunicipalityId,
    full: bool,
    area: Option<Uuid>,
) -> AppResult<Overview> {
    let day = today();
    let term = Term::containing(day);
    let r = sqlx::query_file!(
        "src/dashboard/overview.sql",
        m.get(),
        day,
        day_start(term.first_day()),
        day_start(term.last_day() + Days::new(1)),
        Utc::now(),
        full,
        area
    )
    .fetch_one(&state.db)
    .await?;
    let agreements = r
        .agreements
        .map(|rows| agreement_counts(&rows.0, r.gaps.unwrap_or(0), r.agreement_warning_days, day));
    Ok(Overview {
        risks: r.risks.0,
        open_needs: r.open_needs,
        areas: r
            .areas
            .0
            .into_iter()
            .map(|a| Choice {
                id: a.id,
                label: a.label,
            })
            .collect(),
        groups: group_lines(term, r.groups.0),
        agreements,
        measures: full.then_some(MeasureCounts {
            planned: r.planned,
            ongoing: r.ongoing,
            done: r.done,
            delayed: r.delayed,
        }),
        goals: r.goals.map(|g| g.0),
        review_due: r.review_due,
        kolada_code: r.code,
        kolada: r.kolada.0,
        effects: r.measure_effects.map(|rows| {
            rows.0
                .into_iter()
                .map(|row| MeasureLine::new(row, r.data_from, day))
                .collect()
        }),
    })
}

/// The groups' meeting compliance this term: the groups that should meet,
/// have met or have nothing planned.
fn group_lines(term: Term, rows: Vec<GroupRow>) -> Vec<GroupLine> {
    rows.into_iter()
        .filter_map(|g| {
            let cadence = g.cadence.unwrap_or_else(Cadence::unset);
            let c = Compliance::new(term, &cadence, &g.active, g.counts);
            let nothing_planned = g.tier != Tier::Temporary && g.next_planned.is_none();
            (c.required != 0 || c.held + c.planned != 0 || nothing_planned).then(|| GroupLine {
                group_id: g.id,
                text: c.summary(&g.name),
                on_track: c.on_track(),
                name: g.name,
                nothing_planned,
                compliance: c,
            })
        })
        .collect()
}

/// The agreements counted by their state on `day`.
fn agreement_counts(
    rows: &[AgreementRow],
    gaps: i64,
    warning_days: i32,
    day: NaiveDate,
) -> AgreementCounts {
    let mut counts = AgreementCounts {
        gaps,
        warning_days,
        ..AgreementCounts::default()
    };
    for a in rows {
        let state = AgreementState::derive(
            a.status,
            Signatures::of(a.required, a.signed, a.counterparty),
            a.valid_from,
            a.valid_to,
            day,
        );
        let days_left = a.valid_to.map(|to| (to - day).num_days());
        match state {
            AgreementState::InForce => {
                counts.in_force += 1;
                if days_left.is_some_and(|d| d <= i64::from(warning_days)) {
                    counts.expiring += 1;
                }
            }
            s if s.is_waiting() => counts.waiting += 1,
            _ => {}
        }
    }
    counts
}
