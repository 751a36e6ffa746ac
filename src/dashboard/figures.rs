//! The incident figures drawn: charts with their tables, the map, the
//! police's events and the trend sentence.

use chrono::{Datelike, Days, NaiveDate};

use super::counts::{Bucket, Count, Counts, bucket_end};
use super::{Figure, Filter, Period, Row, Viewer};
use crate::web::charts;

/// The trend: the last four whole weeks of the period against the four
/// before (weeks the period covers only in part are left out, so that an
/// ongoing week does not look like a drop).
pub fn trend(weeks: &[Bucket]) -> Option<String> {
    let whole: Vec<i64> = weeks.iter().filter(|w| !w.partial).map(|w| w.n).collect();
    if whole.len() < 8 {
        return None;
    }
    let recent: i64 = whole[whole.len() - 4..].iter().sum();
    let before: i64 = whole[whole.len() - 8..whole.len() - 4].iter().sum();
    let counted = crate::web::words::count(recent, "händelse", "händelser");
    Some(match (recent, before) {
        (_, 0) => format!("{counted} de senaste fyra hela veckorna (inga veckorna dessförinnan)"),
        (r, b) => {
            let change = (r - b) * 100 / b;
            let direction = if change > 0 {
                "fler"
            } else if change < 0 {
                "färre"
            } else {
                "lika många"
            };
            if change == 0 {
                format!(
                    "{counted} de senaste fyra hela veckorna, lika många som de fyra veckorna dessförinnan"
                )
            } else {
                format!(
                    "{counted} de senaste fyra hela veckorna, {}\u{a0}% {direction} än de fyra veckorna dessförinnan",
                    change.abs()
                )
            }
        }
    })
}

/// "v. 49", or "v. 49 2025" when the chart holds the same week number twice.
fn week_label(w: NaiveDate, with_year: bool) -> String {
    if with_year {
        format!("v. {} {}", w.iso_week().week(), w.iso_week().year())
    } else {
        format!("v. {}", w.iso_week().week())
    }
}

/// The figures, the trend sentence and the total.
pub(super) type Drawn = (
    Vec<Figure>,
    Option<String>,
    i64,
    crate::map::Choropleth,
    crate::sources::police::KindTable,
);

pub(super) fn figures(v: &Viewer, f: &Filter, p: &Period, counts: Counts) -> Drawn {
    let q = f.query(p);
    let weeks = &counts.weeks;
    let labels = bucket_labels(weeks, p.by_month());
    let police = crate::sources::police::kind_table(
        &counts.police,
        &weeks.iter().map(|w| w.start).collect::<Vec<_>>(),
        &labels,
    );
    let map = incident_map(v, p, &counts);
    let mut figures = vec![over_time(v, p, weeks, &labels)];
    figures.push(grouped(
        v,
        p,
        &q,
        counts.by_category,
        ("kategori", "Händelser per kategori", "Kategori"),
    ));
    figures.push(grouped(
        v,
        p,
        &q,
        counts.by_area,
        ("omrade", "Händelser per område", "Område"),
    ));
    let trend = if p.by_month() { None } else { trend(weeks) };
    (figures, trend, counts.total, map, police)
}

/// The buckets' names: "november 2026", or "v. 49" (with the year when
/// the chart holds the same week number twice).
fn bucket_labels(weeks: &[Bucket], monthly: bool) -> Vec<String> {
    let numbers: Vec<u32> = weeks.iter().map(|w| w.start.iso_week().week()).collect();
    let with_year = (1..numbers.len()).any(|i| numbers[..i].contains(&numbers[i]));
    weeks
        .iter()
        .map(|w| {
            if monthly {
                format!(
                    "{} {}",
                    crate::meetings::month_name(w.start.month()),
                    w.start.year()
                )
            } else {
                week_label(w.start, with_year)
            }
        })
        .collect()
}

/// The figure "Händelser per vecka" (or per month), one bar a bucket.
fn over_time(v: &Viewer, p: &Period, weeks: &[Bucket], labels: &[String]) -> Figure {
    let monthly = p.by_month();
    let part = if monthly {
        "ofullständig månad"
    } else {
        "ofullständig vecka"
    };
    let rows: Vec<Row> = weeks
        .iter()
        .zip(labels)
        .map(|(w, label)| Row {
            label: match (monthly, w.partial) {
                (true, false) => label.clone(),
                (true, true) => format!("{label} ({part})"),
                (false, false) => format!("{label} ({})", w.start),
                (false, true) => format!("{label} ({}, {part})", w.start),
            },
            value: w.n,
            href: v.reads_est.then(|| bucket_link(w.start, monthly)),
            partial: Some(w.partial),
        })
        .collect();
    let values: Vec<i64> = weeks.iter().map(|w| w.n).collect();
    let partial: Vec<bool> = weeks.iter().map(|w| w.partial).collect();
    let axis = if monthly { "Månad" } else { "Vecka" };
    Figure {
        key: "vecka",
        caption: format!(
            "Händelser per {}, {} – {}",
            if monthly { "månad" } else { "vecka" },
            p.from,
            p.to
        ),
        svg: charts::columns(labels, &values, &partial, axis, "fig-vecka"),
        rows,
        column: axis,
        partial_note: partial.iter().any(|x| *x).then_some(if monthly {
            "Ljusare staplar: månader som perioden bara täcker delvis."
        } else {
            "Ljusare staplar: veckor som perioden bara täcker delvis."
        }),
    }
}

/// The map: the incidents of its category per area, with the heat of
/// their points for those who may see them, and the category filter.
fn incident_map(v: &Viewer, p: &Period, counts: &Counts) -> crate::map::Choropleth {
    let filter = crate::map::CategoryFilter {
        action: "/oversikt".to_owned(),
        hidden: [
            ("fran", Some(p.from.to_string())),
            ("till", Some(p.to.to_string())),
            ("omrade", p.area.map(|a| a.to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect(),
        categories: counts
            .categories
            .iter()
            .map(|c| (c.id, c.label.clone()))
            .collect(),
        chosen: p.category,
    };
    let title = match filter.chosen_name() {
        Some(c) => format!("{c} per område på kartan"),
        None => "Händelser per område på kartan".to_owned(),
    };
    crate::map::Choropleth::new(
        "karta",
        title,
        &counts.shapes,
        &counts
            .map_by_area
            .iter()
            .map(|c| (c.name.clone(), c.n))
            .collect::<Vec<_>>(),
    )
    .for_period(p.from, p.to)
    .with_heat(&counts.placed, v.oversight)
    .with_filter(filter)
}

/// A figure of incidents per group (top category or area), given its key
/// (also the incident list's filter parameter), caption and column heading.
fn grouped(
    v: &Viewer,
    p: &Period,
    q: &str,
    counted: Vec<Count>,
    (key, caption, column): (&'static str, &str, &'static str),
) -> Figure {
    let labels: Vec<String> = counted.iter().map(|c| c.name.clone()).collect();
    let values: Vec<i64> = counted.iter().map(|c| c.n).collect();
    Figure {
        key,
        caption: format!("{caption}, {} – {}", p.from, p.to),
        svg: charts::bars(&labels, &values, &format!("fig-{key}")),
        rows: counted
            .into_iter()
            .map(|c| Row {
                href: v
                    .reads_est
                    .then(|| format!("/est/handelser?{q}&{key}={}", c.id)),
                label: c.name,
                value: c.n,
                partial: None,
            })
            .collect(),
        column,
        partial_note: None,
    }
}

/// Where a bucket's count leads: the week's lägesbild, or the month's
/// incidents.
fn bucket_link(w: NaiveDate, monthly: bool) -> String {
    if monthly {
        let last = bucket_end(w, true);
        format!("/est/handelser?fran={w}&till={last}")
    } else {
        format!(
            "/est/lagesbild/{}",
            crate::est::week::ReportWeek::containing(w + Days::new(7), 1).key()
        )
    }
}
