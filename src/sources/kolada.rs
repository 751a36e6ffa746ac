//! Public statistics from Kolada's open API (RKA, version 2): reported
//! crimes per 100 000 inhabitants for each municipality, its county and the
//! whole country, fetched once a year (and by `samordna hamta`), stored per
//! (area, indicator, year).
//!
//! The call: `{base}/data/kpi/{kpis}/municipality/{ids}/year/{years}`, ids
//! and years comma-separated. The answer:
//! `{"count": n, "values": [{"kpi": "N07540", "municipality": "1885",
//! "period": 2023, "values": [{"gender": "T", "status": "", "value": 9123.4,
//! "count": 1}]}], "next_page": "<url>"}`, `value` null when Kolada has none
//! and `next_page` only when more pages follow.
//!
//! Kolada's ids: a municipality's is its kommunkod (Lindesberg 1885), a
//! county's is "00" + its länskod (Örebro län 0018), the country's is 0000.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Datelike, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::config::Config;
use crate::tenant::MunicipalityId;

/// The row in `outside_source_state`.
pub const SOURCE: &str = "kolada";
/// The indicators, looked up in Kolada's catalogue (December 2026):
/// N07540 "Anmälda brott totalt, antal/100 000 inv" and N07403 "Anmälda
/// våldsbrott, antal/100 000 inv" (Brå's statistics of reported crimes, per
/// the population of 31 December).
pub const KPIS: [(&str, &str); 2] = [
    ("N07540", "Anmälda brott totalt per 100 000 invånare"),
    ("N07403", "Anmälda våldsbrott per 100 000 invånare"),
];
/// How Kolada's catalogue must begin each indicator's title. Checked
/// before every fetch, so that a wrong id (the ids above were looked up
/// without reaching Kolada itself) is an error on the settings page, not
/// another statistic on the dashboard.
pub const TITLES: [(&str, &str); 2] = [
    ("N07540", "Anmälda brott totalt"),
    ("N07403", "Anmälda våldsbrott"),
];
/// The whole country's id in Kolada.
pub const COUNTRY: &str = "0000";
/// Where the attribution links.
pub const SITE: &str = "https://www.kolada.se";
/// How many years back each fetch asks for.
const YEARS: i32 = 10;
/// Ids per call, so that one answer stays far below Kolada's 5 000 rows.
const IDS_PER_CALL: usize = 50;
/// Pages followed per call at most.
const MAX_PAGES: usize = 20;
/// The background task checks at most this often whether a fetch is due.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(24 * 3600);
/// `samordna hamta` may call this often.
pub const CLI_INTERVAL: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(30);

/// The counties: länskod and name.
pub const COUNTIES: [(&str, &str); 21] = [
    ("01", "Stockholms län"),
    ("03", "Uppsala län"),
    ("04", "Södermanlands län"),
    ("05", "Östergötlands län"),
    ("06", "Jönköpings län"),
    ("07", "Kronobergs län"),
    ("08", "Kalmar län"),
    ("09", "Gotlands län"),
    ("10", "Blekinge län"),
    ("12", "Skåne län"),
    ("13", "Hallands län"),
    ("14", "Västra Götalands län"),
    ("17", "Värmlands län"),
    ("18", "Örebro län"),
    ("19", "Västmanlands län"),
    ("20", "Dalarnas län"),
    ("21", "Gävleborgs län"),
    ("22", "Västernorrlands län"),
    ("23", "Jämtlands län"),
    ("24", "Västerbottens län"),
    ("25", "Norrbottens län"),
];

/// The county of a kommunkod: its Kolada id and name.
pub fn county_of(code: &str) -> Option<(String, &'static str)> {
    let prefix = code.get(..2)?;
    COUNTIES
        .iter()
        .find(|(c, _)| *c == prefix)
        .map(|(c, name)| (format!("00{c}"), *name))
}

/// Reads a kommunkod from the settings form; empty is `None`; an error in Swedish.
pub fn read_code(text: &str) -> Result<Option<String>, &'static str> {
    let code = text.trim();
    if code.is_empty() {
        return Ok(None);
    }
    if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) || county_of(code).is_none() {
        return Err("Ange kommunkoden med fyra siffror, till exempel 1885 för Lindesberg.");
    }
    Ok(Some(code.to_owned()))
}

#[derive(Debug, Deserialize)]
struct RawCatalogue {
    values: Vec<RawKpi>,
}

#[derive(Debug, Deserialize)]
struct RawKpi {
    id: String,
    title: String,
}

/// Checks the indicators' titles in Kolada's answer to `/kpi/{ids}`.
pub fn check_titles(body: &[u8]) -> Result<(), String> {
    let catalogue: RawCatalogue = serde_json::from_slice(body)
        .map_err(|e| format!("Koladas katalog gick inte att läsa: {e}"))?;
    for (id, expected) in TITLES {
        let Some(kpi) = catalogue.values.iter().find(|k| k.id == id) else {
            return Err(format!("Kolada känner inte nyckeltalet {id}"));
        };
        if !kpi
            .title
            .trim()
            .to_lowercase()
            .starts_with(&expected.to_lowercase())
        {
            return Err(format!(
                "Kolada kallar nyckeltalet {id} ”{}”, inte ”{expected} …”: rätta id:t i kolada::KPIS",
                kpi.title.trim()
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct RawPage {
    values: Vec<RawItem>,
    #[serde(default)]
    next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawItem {
    kpi: String,
    municipality: String,
    period: i32,
    values: Vec<RawValue>,
}

#[derive(Debug, Deserialize)]
struct RawValue {
    gender: String,
    #[serde(default)]
    value: Option<f64>,
}

/// One value: area, indicator, year.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub area: String,
    pub kpi: String,
    pub year: i32,
    pub value: f64,
}

/// Reads one page: the totals (gender "T") that have a value, and the next
/// page if any. Anything out of shape makes the whole page bad.
pub fn parse_page(body: &[u8]) -> Result<(Vec<Value>, Option<String>), String> {
    let page: RawPage =
        serde_json::from_slice(body).map_err(|e| format!("svaret gick inte att läsa: {e}"))?;
    let mut values = Vec::new();
    for item in page.values {
        if item.municipality.len() != 4 || !item.municipality.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("okänt område i svaret: {:?}", item.municipality));
        }
        if !(1990..=2200).contains(&item.period) {
            return Err(format!("orimligt år i svaret: {}", item.period));
        }
        let total = item.values.iter().find(|v| v.gender == "T");
        let Some(value) = total.and_then(|v| v.value) else {
            continue;
        };
        if !value.is_finite() || value < 0.0 {
            return Err(format!("orimligt värde i svaret: {value}"));
        }
        values.push(Value {
            area: item.municipality,
            kpi: item.kpi,
            year: item.period,
            value,
        });
    }
    let next = page.next_page.filter(|n| !n.trim().is_empty());
    Ok((values, next))
}

/// What one attempt did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `SAMORDNA_KOLADA_URL` is empty.
    Off,
    /// Checked too recently, or this year's fetch is done.
    NotDue,
    /// No municipality has a kommunkod.
    NothingToAsk,
    /// A batch was stored: values in the answers, rows new or changed.
    Stored { values: usize, changed: u64 },
    /// Logged and recorded as the source's last error.
    Failed(String),
}

impl Outcome {
    /// One Swedish line for the operator.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Off => "avstängt (SAMORDNA_KOLADA_URL är tom)".to_owned(),
            Outcome::NotDue => "inte dags ännu (hämtas en gång om året)".to_owned(),
            Outcome::NothingToAsk => "ingen kommun har en kommunkod".to_owned(),
            Outcome::Stored { values, changed } => {
                format!("{values} värden i svaren, {changed} nya eller ändrade sparade")
            }
            Outcome::Failed(error) => format!("fel: {error}"),
        }
    }
}

/// When a fetch may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// The background task: at most one check per [`CHECK_INTERVAL`], and a
    /// call only when the year's fetch is due.
    Yearly,
    /// `samordna hamta` (and tests): a call now unless one was made within
    /// `interval`.
    Now(Duration),
}

/// The Kolada ids asked for: every kommunkod, its county, the country.
async fn area_ids(db: &PgPool) -> sqlx::Result<Vec<String>> {
    let codes = sqlx::query_scalar!(
        r#"select distinct code as "code!" from municipality
           where code is not null and suspended_at is null order by 1"#
    )
    .fetch_all(db)
    .await?;
    if codes.is_empty() {
        return Ok(codes);
    }
    let mut ids: Vec<String> = codes
        .iter()
        .filter_map(|c| county_of(c).map(|(id, _)| id))
        .collect();
    ids.extend(codes);
    ids.push(COUNTRY.to_owned());
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Whether the year's fetch is due: never fetched, last fetched in an
/// earlier year, an area asked for without values, or last year's values
/// still missing a month after the last fetch (Brå publishes in spring).
async fn due(db: &PgPool, ids: &[String]) -> sqlx::Result<bool> {
    let due = sqlx::query_scalar!(
        r#"select (s.last_fetched_at is null
                   or extract(year from s.last_fetched_at) < extract(year from now())
                   or exists (select 1 from unnest($2::text[]) as a(id)
                              where not exists (select 1 from kolada_value v where v.area_id = a.id))
                   or (s.last_fetched_at < now() - interval '30 days'
                       and not exists (select 1 from kolada_value v where v.area_id = '0000'
                                       and v.year >= extract(year from now()) - 1))) as "due!"
           from outside_source_state s where s.source = $1"#,
        SOURCE,
        ids
    )
    .fetch_optional(db)
    .await?;
    Ok(due.unwrap_or(true))
}

/// Claims the next call or check: at most one per `interval` across every
/// instance.
async fn claim(db: &PgPool, interval: Duration) -> sqlx::Result<bool> {
    sqlx::query!(
        "insert into outside_source_state (source) values ($1) on conflict do nothing",
        SOURCE
    )
    .execute(db)
    .await?;
    let claimed = sqlx::query_scalar!(
        r#"update outside_source_state set last_attempt_at = now()
           where source = $1
             and (last_attempt_at is null or last_attempt_at <= now() - make_interval(secs => $2))
           returning source"#,
        SOURCE,
        interval.as_secs_f64()
    )
    .fetch_optional(db)
    .await?;
    Ok(claimed.is_some())
}

/// Fetches once if allowed by `schedule` and stores the whole batch in one
/// transaction; errors are logged and recorded as the source's last error.
pub async fn fetch(db: &PgPool, config: &Config, schedule: Schedule) -> anyhow::Result<Outcome> {
    fetch_within(db, config, schedule, TIMEOUT).await
}

/// [`fetch`], each call given at most `timeout` (tests shorten it).
pub async fn fetch_within(
    db: &PgPool,
    config: &Config,
    schedule: Schedule,
    timeout: Duration,
) -> anyhow::Result<Outcome> {
    let Some(base) = config.kolada_url.as_deref() else {
        return Ok(Outcome::Off);
    };
    let ids = area_ids(db).await?;
    if ids.is_empty() {
        return Ok(Outcome::NothingToAsk);
    }
    let interval = match schedule {
        Schedule::Yearly => CHECK_INTERVAL,
        Schedule::Now(interval) => interval,
    };
    if !claim(db, interval).await? {
        return Ok(Outcome::NotDue);
    }
    if schedule == Schedule::Yearly && !due(db, &ids).await? {
        return Ok(Outcome::NotDue);
    }
    if let Err(message) = check_catalogue(config, (base, timeout)).await {
        return failed(db, message).await;
    }
    let year = Utc::now().year();
    let mut values = Vec::new();
    for chunk in ids.chunks(IDS_PER_CALL) {
        match fetch_chunk(config, (base, timeout), chunk, year).await {
            Ok(mut v) => values.append(&mut v),
            Err(message) => return failed(db, message).await,
        }
    }
    let changed = store(db, &values).await?;
    Ok(Outcome::Stored {
        values: values.len(),
        changed,
    })
}

/// Asks Kolada's catalogue whether the indicators are what we show them as.
async fn check_catalogue(config: &Config, (base, timeout): (&str, Duration)) -> Result<(), String> {
    let client = crate::http_client::client(&super::police::user_agent(config), timeout)
        .map_err(|e| format!("kunde inte starta anropet: {e}"))?;
    let ids: Vec<&str> = TITLES.iter().map(|(id, _)| *id).collect();
    let body = call(&client, &format!("{base}/kpi/{}", ids.join(","))).await?;
    check_titles(&body)
}

/// The values of the indicators for `ids` over the last [`YEARS`] years,
/// every page followed.
async fn fetch_chunk(
    config: &Config,
    (base, timeout): (&str, Duration),
    ids: &[String],
    year: i32,
) -> Result<Vec<Value>, String> {
    let kpis: Vec<&str> = KPIS.iter().map(|(k, _)| *k).collect();
    let years: Vec<String> = (year - YEARS..year).map(|y| y.to_string()).collect();
    let mut url = format!(
        "{base}/data/kpi/{}/municipality/{}/year/{}",
        kpis.join(","),
        ids.join(","),
        years.join(",")
    );
    let client = crate::http_client::client(&super::police::user_agent(config), timeout)
        .map_err(|e| format!("kunde inte starta anropet: {e}"))?;
    let mut values = Vec::new();
    for _ in 0..MAX_PAGES {
        let body = call(&client, &url).await?;
        let (mut page, next) = parse_page(&body)?;
        page.retain(|v| kpis.contains(&v.kpi.as_str()) && ids.contains(&v.area));
        values.append(&mut page);
        match next {
            Some(next) => url = next,
            None => return Ok(values),
        }
    }
    Err(format!("svaret hade fler än {MAX_PAGES} sidor"))
}

async fn call(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let timeout = |e: reqwest::Error, what: &str| {
        if e.is_timeout() {
            "Kolada svarade inte i tid".to_owned()
        } else {
            format!("{what}: {e}")
        }
    };
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| timeout(e, "anropet misslyckades"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("Kolada svarade HTTP {}", status.as_u16()));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| timeout(e, "svaret kom inte fram"))?;
    Ok(body.to_vec())
}

/// Logs `message` and records it as the source's last error.
async fn failed(db: &PgPool, message: String) -> anyhow::Result<Outcome> {
    tracing::warn!(error = %message, "Kolada kunde inte hämtas");
    sqlx::query!(
        "update outside_source_state set last_error = $2, last_error_at = now() where source = $1",
        SOURCE,
        message
    )
    .execute(db)
    .await?;
    Ok(Outcome::Failed(message))
}

/// Stores the batch in one transaction, one row per (area, indicator,
/// year); returns the rows that were new or changed.
async fn store(db: &PgPool, values: &[Value]) -> sqlx::Result<u64> {
    let mut latest: BTreeMap<(&str, &str, i32), f64> = BTreeMap::new();
    for v in values {
        latest.insert((&v.area, &v.kpi, v.year), v.value);
    }
    let (mut areas, mut kpis, mut years, mut numbers) = (vec![], vec![], vec![], vec![]);
    for ((area, kpi, year), value) in latest {
        areas.push(area.to_owned());
        kpis.push(kpi.to_owned());
        years.push(i16::try_from(year).unwrap_or(i16::MAX));
        numbers.push(value);
    }
    let mut tx = db.begin().await?;
    let changed = sqlx::query!(
        r#"insert into kolada_value (area_id, kpi, year, value)
           select * from unnest($1::text[], $2::text[], $3::int2[], $4::float8[])
           on conflict (area_id, kpi, year) do update
              set value = excluded.value, fetched_at = now()
              where kolada_value.value is distinct from excluded.value"#,
        &areas,
        &kpis,
        &years,
        &numbers
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "update outside_source_state set last_fetched_at = now() where source = $1",
        SOURCE
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(changed)
}

/// One year's values of one indicator: the municipality's, its county's and
/// the country's (`None` where Kolada has none).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub year: i32,
    pub municipality: Option<f64>,
    pub county: Option<f64>,
    pub country: Option<f64>,
}

/// One indicator over the years, oldest first, as the lägesbild and the
/// dashboard show it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Table {
    pub kpi: String,
    pub title: String,
    /// The county's name, e.g. "Örebro län".
    pub county: String,
    pub rows: Vec<Row>,
}

/// A value as the pages show it: whole numbers with a space between
/// thousands ("9 123"), or a dash when Kolada has none.
pub fn shown(value: impl std::borrow::Borrow<Option<f64>>) -> String {
    let Some(v) = *value.borrow() else {
        return "–".to_owned();
    };
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// The municipality's kommunkod, if set.
pub async fn code_of(db: &PgPool, municipality_id: MunicipalityId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "select code from municipality where id = $1",
        municipality_id.get()
    )
    .fetch_one(db)
    .await
}

/// A stored value as a statement reads it.
#[derive(Clone, Debug, Deserialize)]
pub struct Stored {
    pub area_id: String,
    pub kpi: String,
    pub year: i16,
    pub value: f64,
}

/// Every indicator for the kommunkod `code`: the last `years` years up to
/// `last_year` that have a value for any of the three areas.
pub async fn tables(
    db: &PgPool,
    code: &str,
    last_year: i32,
    years: usize,
) -> sqlx::Result<Vec<Table>> {
    let Some((county_id, _)) = county_of(code) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query_as!(
        Stored,
        r#"select area_id, kpi, year, value from kolada_value
           where area_id = any($1) and year <= $2 order by year"#,
        &[code.to_owned(), county_id, COUNTRY.to_owned()],
        i16::try_from(last_year).unwrap_or(i16::MAX)
    )
    .fetch_all(db)
    .await?;
    Ok(tables_of(&rows, code, years))
}

/// Lays out `rows` (the values of `code`, its county and the country) per
/// indicator: the last `years` years that have any value.
pub fn tables_of(rows: &[Stored], code: &str, years: usize) -> Vec<Table> {
    let Some((county_id, county)) = county_of(code) else {
        return Vec::new();
    };
    let mut tables = Vec::new();
    for (kpi, title) in KPIS {
        let mut by_year: BTreeMap<i32, Row> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.kpi == kpi) {
            let year = i32::from(r.year);
            let row = by_year.entry(year).or_insert(Row {
                year,
                ..Row::default()
            });
            match r.area_id.as_str() {
                a if a == code => row.municipality = Some(r.value),
                a if a == county_id => row.county = Some(r.value),
                COUNTRY => row.country = Some(r.value),
                _ => {}
            }
        }
        let all: Vec<Row> = by_year.into_values().collect();
        let rows = all[all.len().saturating_sub(years)..].to_vec();
        if !rows.is_empty() {
            tables.push(Table {
                kpi: kpi.to_owned(),
                title: title.to_owned(),
                county: county.to_owned(),
                rows,
            });
        }
    }
    tables
}

/// Whether the lägesbild of a municipality uses Kolada: `Ok` with what it
/// shows, or `Err` with why not.
pub fn use_in_lagesbild(
    config: &Config,
    code: Option<&str>,
    tables: &[Table],
) -> Result<String, String> {
    if let Some(first) = tables.first()
        && let (Some(a), Some(b)) = (first.rows.first(), first.rows.last())
    {
        return Ok(format!(
            "anmälda brott per 100 000 invånare för kommunen, länet och riket, {}–{}",
            a.year, b.year
        ));
    }
    Err(if config.kolada_url.is_none() {
        "hämtningen är avstängd i den här installationen".to_owned()
    } else if code.is_none() {
        "kommunkoden saknas i EST-inställningarna".to_owned()
    } else {
        "inga värden hämtade ännu".to_owned()
    })
}

/// The Kolada part of `/est/installningar`.
pub struct SettingsView {
    /// The kommunkod (or the refused input).
    pub code: String,
    /// The county's name when the code is known.
    pub county: Option<String>,
    /// Fetching is on when `SAMORDNA_KOLADA_URL` is set.
    pub fetching: super::Fetching,
}

/// The settings view of one municipality.
pub async fn settings_view(
    db: &PgPool,
    config: &Config,
    municipality_id: MunicipalityId,
) -> sqlx::Result<SettingsView> {
    let code = code_of(db, municipality_id).await?;
    let s = sqlx::query!(
        "select last_fetched_at, last_error, last_error_at from outside_source_state where source = $1",
        SOURCE
    )
    .fetch_optional(db)
    .await?;
    let (fetched, error, error_at) = s.map_or((None, None, None), |s| {
        (s.last_fetched_at, s.last_error, s.last_error_at)
    });
    Ok(SettingsView {
        county: code
            .as_deref()
            .and_then(county_of)
            .map(|(_, n)| n.to_owned()),
        code: code.unwrap_or_default(),
        fetching: super::Fetching::new(config.kolada_url.is_some(), fetched, error, error_at),
    })
}

/// Saves the municipality's kommunkod (`None` removes it).
pub async fn save_code(
    tx: &mut sqlx::PgConnection,
    municipality_id: MunicipalityId,
    code: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update municipality set code = $2 where id = $1",
        municipality_id.get(),
        code
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// The dashboard's trend: the first indicator over the last ten years as a
/// chart, with its table.
pub struct Trend {
    /// The indicator and the years, e.g. "… per 100 000 invånare, 2016–2025".
    pub caption: String,
    pub table: Table,
    /// The chart drawn at every size (`crate::web::charts::lines`).
    pub svg: String,
}

/// The trend of the municipality with the kommunkod `code` (named `name`)
/// from its `rows`, `None` without a kommunkod or values.
pub fn trend(code: Option<&str>, rows: &[Stored], name: &str) -> Option<Trend> {
    let table = tables_of(rows, code?, 10).into_iter().next()?;
    let labels: Vec<String> = table.rows.iter().map(|r| r.year.to_string()).collect();
    let series = [
        (
            name.to_owned(),
            table.rows.iter().map(|r| r.municipality).collect(),
        ),
        (
            table.county.clone(),
            table.rows.iter().map(|r| r.county).collect(),
        ),
        (
            "Riket".to_owned(),
            table.rows.iter().map(|r| r.country).collect(),
        ),
    ];
    let svg = crate::web::charts::lines(&labels, &series, "Per 100 000 invånare", "kolada-title");
    let caption = format!(
        "{}, {}–{}",
        table.title,
        labels.first().map_or("", String::as_str),
        labels.last().map_or("", String::as_str)
    );
    Some(Trend {
        caption,
        table,
        svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_the_real_shape_is_read_and_missing_values_skipped() {
        let body = br#"{"count": 3, "values": [
            {"kpi": "N07540", "municipality": "1885", "period": 2023,
             "values": [{"count": 1, "gender": "T", "status": "", "value": 9123.4}]},
            {"kpi": "N07540", "municipality": "0018", "period": 2023,
             "values": [{"count": 0, "gender": "T", "status": "Missing", "value": null}]},
            {"kpi": "N07403", "municipality": "0000", "period": 2022,
             "values": [{"count": 1, "gender": "K", "status": "", "value": 1.0},
                        {"count": 1, "gender": "T", "status": "", "value": 1012.0}]}],
            "next_page": "https://api.kolada.se/v2/data/kpi/N07540/municipality/1885/year/2023?page=2"}"#;
        let (values, next) = parse_page(body).expect("parses");
        assert_eq!(
            values,
            [
                Value {
                    area: "1885".into(),
                    kpi: "N07540".into(),
                    year: 2023,
                    value: 9123.4
                },
                Value {
                    area: "0000".into(),
                    kpi: "N07403".into(),
                    year: 2022,
                    value: 1012.0
                },
            ]
        );
        assert!(next.is_some_and(|n| n.ends_with("page=2")));
    }

    #[test]
    fn the_catalogue_must_call_each_indicator_what_it_is_shown_as() {
        let right = r#"{"count": 2, "values": [
            {"id": "N07403", "title": "Anmälda våldsbrott, antal/100 000 inv", "operating_area": "Brott"},
            {"id": "N07540", "title": "Anmälda brott totalt, antal/100 000 inv"}]}"#;
        assert_eq!(check_titles(right.as_bytes()), Ok(()));
        let wrong = r#"{"values": [
            {"id": "N07403", "title": "Anmälda våldsbrott, antal/100 000 inv"},
            {"id": "N07540", "title": "Invånare 65+ år, andel (%)"}]}"#;
        let refused = check_titles(wrong.as_bytes()).expect_err("a wrong title");
        assert!(
            refused.contains("N07540") && refused.contains("Invånare 65+"),
            "{refused}"
        );
        let missing = r#"{"values": [{"id": "N07403", "title": "Anmälda våldsbrott"}]}"#;
        assert!(check_titles(missing.as_bytes()).is_err());
        assert!(check_titles(b"<html>").is_err());
    }

    #[test]
    fn a_page_out_of_shape_is_refused() {
        assert!(parse_page(b"[]").is_err());
        assert!(parse_page(br#"{"values": [{"kpi": "N07540"}]}"#).is_err());
        assert!(
            parse_page(
                br#"{"values": [{"kpi": "N07540", "municipality": "Lindesberg", "period": 2023, "values": []}]}"#
            )
            .is_err()
        );
        assert!(
            parse_page(
                br#"{"values": [{"kpi": "N07540", "municipality": "1885", "period": 2023,
                     "values": [{"gender": "T", "value": "mycket"}]}]}"#
            )
            .is_err()
        );
    }

    #[test]
    fn codes_name_their_county() {
        assert_eq!(county_of("1885"), Some(("0018".into(), "Örebro län")));
        assert_eq!(county_of("0180"), Some(("0001".into(), "Stockholms län")));
        assert_eq!(read_code(" 1885 "), Ok(Some("1885".into())));
        assert_eq!(read_code(""), Ok(None));
        assert!(read_code("188").is_err());
        assert!(read_code("1185").is_err(), "there is no county 11");
        assert!(read_code("18a5").is_err());
    }

    #[test]
    fn values_are_shown_as_whole_numbers_with_thin_groups() {
        assert_eq!(shown(Some(9123.4)), "9\u{a0}123");
        assert_eq!(shown(Some(12_345_678.0)), "12\u{a0}345\u{a0}678");
        assert_eq!(shown(Some(999.6)), "1\u{a0}000");
        assert_eq!(shown(Some(12.0)), "12");
        assert_eq!(shown(None), "–");
    }
}
