//! The incident figures' statement: the period's incidents per week (or
//! month), per top category and per area, with the map's shapes and points
//! and the police's events.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Deserialize;
use sqlx::types::Json;
use uuid::Uuid;

use super::{AreaRow, Period};
use crate::error::AppResult;
use crate::state::AppState;
use crate::tenant::MunicipalityId;

/// A group of incidents (a top category or an area) and how many.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct Count {
    pub(super) id: Uuid,
    pub(super) name: String,
    pub(super) n: i64,
}

/// A bucket of the incident chart: a week (or a month), its count, and
/// whether the period covers only part of it.
#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    pub start: NaiveDate,
    pub n: i64,
    pub partial: bool,
}

/// The period's incidents counted in one grouped statement: per week, or per
/// month for long periods ([`Period::by_month`]; every bucket of the period,
/// also the quiet ones, each named by its first day), per top category and
/// per area.
#[derive(Clone)]
pub(super) struct Counts {
    pub(super) weeks: Vec<Bucket>,
    pub(super) total: i64,
    pub(super) by_category: Vec<Count>,
    pub(super) by_area: Vec<Count>,
    /// The outline and the areas' boundaries, for the map.
    pub(super) shapes: crate::map::Shapes,
    /// The incidents placed on the map: (longitude, latitude); of the
    /// map's category only, when one is chosen.
    pub(super) placed: Vec<(f64, f64)>,
    /// The incidents per area of the map's category (all, when none is chosen).
    pub(super) map_by_area: Vec<Count>,
    /// The top categories, for the map's filter.
    pub(super) categories: Vec<AreaRow>,
    /// The police's events per bucket and type (the whole municipality).
    pub(super) police: Vec<crate::sources::police::KindCount>,
}

/// A bucket's count as the statement brings it (quiet buckets are missing).
#[derive(Debug, Deserialize)]
struct Week {
    week: NaiveDate,
    n: i64,
}

pub(super) async fn counts(state: &AppState, m: MunicipalityId, p: &Period) -> AppResult<Counts> {
    let r = sqlx::query_file!(
        "src/dashboard/counts.sql",
        m.get(),
        p.from,
        p.to,
        p.area,
        if p.by_month() { "month" } else { "week" },
        p.category
    )
    .fetch_one(&state.db)
    .await?;
    Ok(Counts {
        weeks: buckets(p, &r.weeks.0),
        total: r.total,
        by_category: r.by_category.0,
        by_area: r.by_area.0,
        shapes: r.shapes.0.into(),
        placed: r.placed.0,
        map_by_area: r.map_by_area.0,
        categories: r.categories.0,
        police: r.police.0,
    })
}

/// Every bucket of the period, also the quiet ones, with its count and
/// whether the period covers only part of it.
fn buckets(p: &Period, counted: &[Week]) -> Vec<Bucket> {
    bucket_starts(p)
        .into_iter()
        .map(|w| Bucket {
            start: w,
            n: counted.iter().find(|c| c.week == w).map_or(0, |c| c.n),
            partial: w < p.from || bucket_end(w, p.by_month()) > p.to,
        })
        .collect()
}

/// The first days of the period's weeks (Mondays) or months.
fn bucket_starts(p: &Period) -> Vec<NaiveDate> {
    if p.by_month() {
        let first = p.from.with_day(1).unwrap_or(p.from);
        std::iter::successors(Some(first), |d| d.checked_add_months(Months::new(1)))
            .take_while(|d| *d <= p.to)
            .collect()
    } else {
        let first = p.from - Days::new(u64::from(p.from.weekday().num_days_from_monday()));
        std::iter::successors(Some(first), |w| w.checked_add_days(Days::new(7)))
            .take_while(|w| *w <= p.to)
            .collect()
    }
}

/// The last day of the week or month that starts on `w`.
pub(super) fn bucket_end(w: NaiveDate, monthly: bool) -> NaiveDate {
    if monthly {
        w.checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(w)
    } else {
        w + Days::new(6)
    }
}
