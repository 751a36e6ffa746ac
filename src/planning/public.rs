//! `/offentligt/{kommun}`: the municipality's public page, without signing
//! in, once the coordinator has turned it on (off by default; otherwise
//! 404). It shows the medborgarlöften in force, the measures marked public
//! with their progress and indicated effect, and incident counts per area
//! and quarter. Nothing else: no free text from reports, no names of
//! people, nothing from agreements; counts below [`SMALL`] are shown as
//! "färre än 5", and the effect of a measure with few incidents is given
//! without its counts. One statement; browsers and proxies may keep the
//! page for five minutes.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Months, NaiveDate};
use sqlx::types::Json;

use super::effect::{MeasureLine, MeasureRow};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::layout::Chrome;
use crate::web::path::Params;
use crate::web::today;

/// Counts below this are not given.
pub const SMALL: i64 = 5;
/// The quarters shown: this one and the three before it.
const QUARTERS: u32 = 4;
/// How long browsers and proxies may keep the page.
pub const CACHE_CONTROL: &str = "public, max-age=300";

/// A count as the public sees it.
pub fn shown(n: &i64) -> String {
    let n = *n;
    if n < SMALL {
        format!("färre än {SMALL}")
    } else {
        n.to_string()
    }
}

/// The first day of the quarter `day` falls in.
fn quarter_start(day: NaiveDate) -> NaiveDate {
    let month = (day.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
}

/// The first days of the quarters shown, oldest first.
pub fn quarters(today: NaiveDate) -> Vec<NaiveDate> {
    let this = quarter_start(today);
    (0..QUARTERS)
        .rev()
        .filter_map(|back| this.checked_sub_months(Months::new(3 * back)))
        .collect()
}

/// "2026 kv. 3".
pub fn quarter_label(first: &NaiveDate) -> String {
    format!("{} kv. {}", first.year(), first.month0() / 3 + 1)
}

/// A promise in force, as the public sees it.
#[derive(Debug, serde::Deserialize)]
pub struct PublicPromise {
    pub title: String,
    pub body: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub police: String,
    pub municipal: String,
    /// The titles of the public measures that carry it out.
    pub measures: Vec<String>,
}

/// An area's incidents per quarter shown, oldest first.
#[derive(Debug, serde::Deserialize)]
pub struct AreaCounts {
    pub area: String,
    pub counts: Vec<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "planning/public.html")]
pub struct PublicPage {
    chrome: Chrome,
    name: String,
    slug: String,
    today: NaiveDate,
    promises: Vec<PublicPromise>,
    measures: Vec<MeasureLine>,
    quarters: Vec<NaiveDate>,
    areas: Vec<AreaCounts>,
}

/// The page's data, as its one statement brings it.
struct Row {
    name: String,
    slug: String,
    data_from: Option<NaiveDate>,
    promises: Json<Vec<PublicPromise>>,
    measures: Json<Vec<MeasureRow>>,
    areas: Json<Vec<AreaCounts>>,
}

/// The page's data in one statement; `None` when no municipality has
/// `slug` or its page is off.
async fn fetch(
    db: &sqlx::PgPool,
    slug: &str,
    day: NaiveDate,
    quarters: &[NaiveDate],
) -> AppResult<Option<Row>> {
    Ok(sqlx::query_as!(
        Row,
        r#"with mu as (select id, name, slug from municipality where slug = $1 and public_page
                      and suspended_at is null),
                counted as (select i.area_id, date_trunc('quarter', i.occurred_on)::date as quarter, count(*) as n
                            from est_incident i join mu on i.municipality_id = mu.id
                            where i.duplicate_of is null and i.occurred_on >= ($3::date[])[1] and i.occurred_on <= $2
                            group by 1, 2)
           select mu.name, mu.slug,
                  (select min(i.occurred_on) from est_incident i where i.municipality_id = mu.id) as data_from,
                  (select coalesce(json_agg(json_build_object(
                              'title', cp.title, 'body', cp.body, 'valid_from', cp.valid_from, 'valid_to', cp.valid_to,
                              'police', pp.title, 'municipal', mp.title,
                              'measures', (select coalesce(json_agg(ms.title order by ms.title), '[]')
                                           from citizen_promise_measure l
                                           join measure ms on ms.id = l.measure_id and ms.municipality_id = mu.id
                                           where l.promise_id = cp.id and l.municipality_id = mu.id and ms.public))
                          order by cp.valid_from, cp.title), '[]')
                   from citizen_promise cp
                   join position pp on pp.id = cp.police_position_id and pp.municipality_id = mu.id
                   join position mp on mp.id = cp.municipal_position_id and mp.municipality_id = mu.id
                   where cp.municipality_id = mu.id and cp.valid_from <= $2 and cp.valid_to >= $2)
                      as "promises!: Json<Vec<PublicPromise>>",
                  -- As the dashboard's table of measures (planning::effect), public ones only.
                  (select coalesce(json_agg(json_build_object(
                              'id', x.id, 'title', x.title, 'status', x.status, 'due_on', x.due_on,
                              'percent_done', x.percent_done, 'effect_from', x.effect_from, 'targeted', t.targeted,
                              'followed_up', true, 'weeks', case when t.targeted and x.effect_from is not null then (
                                  select json_agg(w) from measure_weekly_counts(mu.id, x.id,
                                      date_trunc('week', x.effect_from)::date - 182,
                                      date_trunc('week', x.effect_from)::date + 182) w) end)
                          order by x.status = 'done', x.due_on, x.title), '[]')
                   from measure x cross join lateral (
                       select exists (select 1 from measure_area a where a.measure_id = x.id and a.municipality_id = mu.id)
                           or exists (select 1 from measure_category c where c.measure_id = x.id and c.municipality_id = mu.id)
                           as targeted) t
                   where x.municipality_id = mu.id and x.public) as "measures!: Json<Vec<MeasureRow>>",
                  (select coalesce(json_agg(json_build_object(
                              'area', a.name,
                              'counts', (select json_agg(coalesce(c.n, 0) order by q.q) from unnest($3::date[]) q(q)
                                         left join counted c on c.area_id = a.id and c.quarter = q.q))
                          order by a.sort_order, a.name), '[]')
                   from area a where a.municipality_id = mu.id
                     and (a.active or exists (select 1 from counted c where c.area_id = a.id)))
                      as "areas!: Json<Vec<AreaCounts>>"
           from mu"#,
        slug,
        day,
        quarters
    )
    .fetch_optional(db)
    .await?)
}

/// `GET /offentligt/{kommun}`.
pub async fn page(
    State(state): State<AppState>,
    Params(slug): Params<String>,
) -> AppResult<Response> {
    let day = today();
    let quarters = quarters(day);
    let r = fetch(&state.db, &slug, day, &quarters)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = PublicPage {
        chrome: Chrome::anonymous(),
        name: r.name,
        slug: r.slug,
        today: day,
        promises: r.promises.0,
        measures: r
            .measures
            .0
            .into_iter()
            .map(|row| MeasureLine::public(row, r.data_from, day))
            .collect(),
        quarters,
        areas: r.areas.0,
    };
    Ok(([(header::CACHE_CONTROL, CACHE_CONTROL)], page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_page_shows_this_quarter_and_the_three_before_and_hides_small_counts() {
        let q = quarters(d("2026-02-14"));
        assert_eq!(
            q,
            [
                d("2025-04-01"),
                d("2025-07-01"),
                d("2025-10-01"),
                d("2026-01-01")
            ]
        );
        assert_eq!(quarter_label(&q[0]), "2025 kv. 2");
        assert_eq!(quarter_label(&q[3]), "2026 kv. 1");
        assert_eq!(shown(&0), "färre än 5");
        assert_eq!(shown(&4), "färre än 5");
        assert_eq!(shown(&5), "5");
    }
}
