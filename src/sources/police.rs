//! The police's published events (`/api/events`, filtered with
//! `locationname`), stored per municipality and deduplicated by the API's
//! `id`. The API's `gps` is the municipality's centre, not the event's
//! place: it is read past and never stored or drawn.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::config::Config;
use crate::tenant::MunicipalityId;

/// The row in `outside_source_state`.
pub const SOURCE: &str = "polisen";
/// The background task calls at most this often per deployment.
pub const INTERVAL: Duration = Duration::from_secs(10 * 60);
/// `samordna hamta` may call this often (the published limit: one call per 10 s).
pub const CLI_INTERVAL: Duration = Duration::from_secs(10);
/// How long to wait after a 429 without a `Retry-After`.
const BACK_OFF: Duration = Duration::from_secs(60 * 60);
const TIMEOUT: Duration = Duration::from_secs(30);
/// Where the API's relative `url`s lead.
pub const SITE: &str = "https://polisen.se";

/// One event as the API gives it.
#[derive(Debug, Deserialize)]
struct RawEvent {
    id: i64,
    datetime: String,
    name: String,
    summary: String,
    url: String,
    #[serde(rename = "type")]
    kind: String,
    location: RawLocation,
}

#[derive(Debug, Deserialize)]
struct RawLocation {
    name: String,
    // `gps` ("59.58,15.24") is the municipality's centre: ignored.
}

/// One parsed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub police_id: i64,
    pub occurred_at: DateTime<Utc>,
    pub name: String,
    pub summary: String,
    pub url: String,
    pub kind: String,
    pub location_name: String,
}

/// Parses the API's `datetime`, e.g. `2018-04-13 9:58:49 +02:00` (the hour
/// not zero-padded; not ISO 8601).
pub fn parse_datetime(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let bad = || format!("ogiltig tidpunkt: {text:?}");
    let mut parts = text.split_whitespace();
    let (Some(date), Some(time), Some(offset), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
    let numbers = |s: &str, n: usize| -> Option<Vec<u32>> {
        let v: Vec<&str> = s.split(':').collect();
        if v.len() != n
            || v.iter()
                .any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        v.iter().map(|p| p.parse().ok()).collect()
    };
    let t = numbers(time, 3).ok_or_else(bad)?;
    let time = NaiveTime::from_hms_opt(t[0], t[1], t[2]).ok_or_else(bad)?;
    let (sign, rest) = match offset.as_bytes().first() {
        Some(b'+') => (1, &offset[1..]),
        Some(b'-') => (-1, &offset[1..]),
        _ => return Err(bad()),
    };
    let o = numbers(rest, 2).ok_or_else(bad)?;
    if rest.len() != 5 || o[1] > 59 {
        return Err(bad());
    }
    let seconds = i32::try_from(o[0] * 3600 + o[1] * 60).map_err(|_| bad())?;
    let offset = FixedOffset::east_opt(sign * seconds).ok_or_else(bad)?;
    date.and_time(time)
        .and_local_timezone(offset)
        .single()
        .ok_or_else(bad)
}

/// Parses a whole payload; one bad event makes the whole batch bad.
pub fn parse_payload(body: &[u8]) -> Result<Vec<Event>, String> {
    let raw: Vec<RawEvent> =
        serde_json::from_slice(body).map_err(|e| format!("svaret gick inte att läsa: {e}"))?;
    raw.into_iter()
        .map(|r| {
            Ok(Event {
                police_id: r.id,
                occurred_at: parse_datetime(&r.datetime)?.with_timezone(&Utc),
                name: r.name,
                summary: r.summary,
                url: r.url,
                kind: r.kind,
                location_name: r.location.name,
            })
        })
        .collect()
}

/// The absolute address of an event's `url` (relative to polisen.se).
pub fn absolute_url(url: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        url.to_owned()
    } else if url.starts_with('/') {
        format!("{SITE}{url}")
    } else {
        format!("{SITE}/{url}")
    }
}

/// The location name asked for by default: the municipality's own name,
/// "Lindesberg" from "Lindesbergs kommun", "Borås" from "Borås kommun".
pub fn default_location_name(municipality: &str) -> String {
    let name = municipality.trim();
    let Some(stem) = name
        .strip_suffix(" kommun")
        .or_else(|| name.strip_suffix(" stad"))
    else {
        return name.strip_prefix("Region ").unwrap_or(name).to_owned();
    };
    // The genitive -s: dropped, except where the name itself ends in s.
    let keeps_s = ["ås", "äs", "fors", "Grums", "Hofors"]
        .iter()
        .any(|end| stem.ends_with(end));
    match stem.strip_suffix('s') {
        Some(short) if !keeps_s => short.to_owned(),
        _ => stem.to_owned(),
    }
}

/// What one attempt did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `SAMORDNA_POLICE_EVENTS_URL` is empty.
    Off,
    /// Called too recently, or backing off after a 429.
    NotDue,
    /// The API answered 404 for this base URL: not asked again.
    Stopped,
    /// No municipality has location names.
    NothingToAsk,
    /// A batch was stored: events in the answer, rows new.
    Stored { events: usize, new: u64 },
    /// Logged and recorded as each municipality's last error.
    Failed(String),
}

impl Outcome {
    /// One Swedish line for the operator.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Off => "avstängt (SAMORDNA_POLICE_EVENTS_URL är tom)".to_owned(),
            Outcome::NotDue => {
                "inte dags ännu (högst ett anrop per tio minuter, eller väntar efter 429)"
                    .to_owned()
            }
            Outcome::Stopped => {
                "polisen svarade 404; frågar inte igen förrän adressen ändras".to_owned()
            }
            Outcome::NothingToAsk => "inga ortnamn att fråga efter".to_owned(),
            Outcome::Stored { events, new } => {
                format!("{events} händelser i svaret, {new} nya sparade")
            }
            Outcome::Failed(error) => format!("fel: {error}"),
        }
    }
}

/// The municipalities and the location names each asks for.
async fn location_names(db: &PgPool) -> sqlx::Result<Vec<(Uuid, Vec<String>)>> {
    let rows = sqlx::query!(
        r#"select m.id, m.name, s.location_names as "names?"
           from municipality m left join police_source s on s.municipality_id = m.id
           where m.suspended_at is null -- a suspended municipality is not fetched for
           order by m.name"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let names = r
                .names
                .unwrap_or_else(|| vec![default_location_name(&r.name)]);
            (r.id, names)
        })
        .filter(|(_, names)| !names.is_empty())
        .collect())
}

/// The names a municipality asks for, as shown on the settings page.
pub async fn names_of(db: &PgPool, municipality_id: MunicipalityId) -> sqlx::Result<Vec<String>> {
    let r = sqlx::query!(
        r#"select m.name, s.location_names as "names?"
           from municipality m left join police_source s on s.municipality_id = m.id
           where m.id = $1"#,
        municipality_id.get()
    )
    .fetch_one(db)
    .await?;
    Ok(r.names
        .unwrap_or_else(|| vec![default_location_name(&r.name)]))
}

/// Claims the next call: at most one per `interval` across every instance,
/// none while backing off, none after a 404 for the same base URL.
async fn claim(db: &PgPool, base: &str, interval: Duration) -> sqlx::Result<Option<Outcome>> {
    sqlx::query!(
        "insert into outside_source_state (source) values ($1) on conflict do nothing",
        SOURCE
    )
    .execute(db)
    .await?;
    let seconds = interval.as_secs_f64();
    let claimed = sqlx::query_scalar!(
        r#"update outside_source_state set last_attempt_at = now()
           where source = $1
             and (last_attempt_at is null or last_attempt_at <= now() - make_interval(secs => $2))
             and (next_allowed_at is null or next_allowed_at <= now())
             and stopped_url is distinct from $3
           returning source"#,
        SOURCE,
        seconds,
        base
    )
    .fetch_optional(db)
    .await?;
    if claimed.is_some() {
        return Ok(None);
    }
    let stopped = sqlx::query_scalar!(
        "select coalesce(stopped_url = $2, false) as \"stopped!\" from outside_source_state where source = $1",
        SOURCE,
        base
    )
    .fetch_one(db)
    .await?;
    Ok(Some(if stopped {
        Outcome::Stopped
    } else {
        Outcome::NotDue
    }))
}

/// The User-Agent: names Samordna and the deployment's contact address.
pub(super) fn user_agent(config: &Config) -> String {
    let from = &config.mail_from;
    let contact = match (from.find('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from.as_str(),
    };
    format!(
        "Samordna/{} (+{}; {contact})",
        env!("CARGO_PKG_VERSION"),
        config.public_url
    )
}

/// Fetches once if due (`interval` since the last call across instances)
/// and stores the batch in one transaction; errors are logged and recorded
/// on every municipality asked for.
pub async fn fetch(db: &PgPool, config: &Config, interval: Duration) -> anyhow::Result<Outcome> {
    let Some(base) = config.police_events_url.as_deref() else {
        return Ok(Outcome::Off);
    };
    let asked = location_names(db).await?;
    if asked.is_empty() {
        return Ok(Outcome::NothingToAsk);
    }
    if let Some(outcome) = claim(db, base, interval).await? {
        return Ok(outcome);
    }
    let ids: Vec<Uuid> = asked.iter().map(|(id, _)| *id).collect();
    let mut all: Vec<&str> = asked
        .iter()
        .flat_map(|(_, names)| names.iter().map(String::as_str))
        .collect();
    all.sort_unstable();
    all.dedup();
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}locationname={}", all.join(";"));
    let body = match call(config, &url).await {
        Ok(body) => body,
        Err(Failure::TooMany(wait)) => {
            let message = format!(
                "polisen bad oss vänta (429); nästa försök om {} minuter",
                wait.as_secs().div_ceil(60)
            );
            sqlx::query!(
                "update outside_source_state set next_allowed_at = now() + make_interval(secs => $2) where source = $1",
                SOURCE,
                wait.as_secs_f64()
            )
            .execute(db)
            .await?;
            return failed(db, &ids, message).await;
        }
        Err(Failure::Gone) => {
            sqlx::query!(
                "update outside_source_state set stopped_url = $2, stopped_at = now() where source = $1",
                SOURCE,
                base
            )
            .execute(db)
            .await?;
            let message = "adressen finns inte (404); Samordna frågar inte igen förrän SAMORDNA_POLICE_EVENTS_URL ändras".to_owned();
            return failed(db, &ids, message).await;
        }
        Err(Failure::Other(message)) => return failed(db, &ids, message).await,
    };
    let events = match parse_payload(&body) {
        Ok(events) => events,
        Err(message) => return failed(db, &ids, message).await,
    };
    let new = store(db, &asked, &events).await?;
    Ok(Outcome::Stored {
        events: events.len(),
        new,
    })
}

enum Failure {
    TooMany(Duration),
    Gone,
    Other(String),
}

async fn call(config: &Config, url: &str) -> Result<Vec<u8>, Failure> {
    let client = crate::http_client::client(&user_agent(config), TIMEOUT)
        .map_err(|e| Failure::Other(format!("kunde inte starta anropet: {e}")))?;
    let response = client.get(url).send().await.map_err(|e| {
        Failure::Other(if e.is_timeout() {
            "polisen svarade inte i tid".to_owned()
        } else {
            format!("anropet misslyckades: {e}")
        })
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        let wait = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(BACK_OFF, |s| Duration::from_secs(s.clamp(60, 24 * 3600)));
        return Err(Failure::TooMany(wait));
    }
    if status == reqwest::StatusCode::NOT_FOUND {
        return Err(Failure::Gone);
    }
    if !status.is_success() {
        return Err(Failure::Other(format!(
            "polisen svarade HTTP {}",
            status.as_u16()
        )));
    }
    let body = response.bytes().await.map_err(|e| {
        Failure::Other(if e.is_timeout() {
            "polisen svarade inte i tid".to_owned()
        } else {
            format!("svaret kom inte fram: {e}")
        })
    })?;
    Ok(body.to_vec())
}

/// Logs `message` and records it on every municipality asked for.
async fn failed(db: &PgPool, ids: &[Uuid], message: String) -> anyhow::Result<Outcome> {
    tracing::warn!(error = %message, "Polisens händelser kunde inte hämtas");
    sqlx::query!(
        r#"insert into police_source (municipality_id, last_error, last_error_at)
           select id, $2, now() from unnest($1::uuid[]) as id
           on conflict (municipality_id) do update
              set last_error = excluded.last_error, last_error_at = excluded.last_error_at"#,
        ids,
        message
    )
    .execute(db)
    .await?;
    Ok(Outcome::Failed(message))
}

/// Stores the batch for every municipality whose names match its location,
/// in one transaction; returns the rows that were new.
async fn store(db: &PgPool, asked: &[(Uuid, Vec<String>)], events: &[Event]) -> sqlx::Result<u64> {
    let mut by_name: HashMap<String, Vec<Uuid>> = HashMap::new();
    for (m, names) in asked {
        for name in names {
            by_name.entry(name.to_lowercase()).or_default().push(*m);
        }
    }
    let mut tx = db.begin().await?;
    let mut new = 0;
    for event in events {
        let Some(municipalities) = by_name.get(&event.location_name.to_lowercase()) else {
            continue;
        };
        for m in municipalities {
            new += sqlx::query!(
                r#"insert into police_event (id, municipality_id, police_id, occurred_at, name,
                                             summary, url, kind, location_name)
                   values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                   on conflict (municipality_id, police_id) do nothing"#,
                Uuid::now_v7(),
                m,
                event.police_id,
                event.occurred_at,
                event.name,
                event.summary,
                event.url,
                event.kind,
                event.location_name
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
    }
    let ids: Vec<Uuid> = asked.iter().map(|(id, _)| *id).collect();
    sqlx::query!(
        r#"insert into police_source (municipality_id, last_fetched_at)
           select id, now() from unnest($1::uuid[]) as id
           on conflict (municipality_id) do update set last_fetched_at = excluded.last_fetched_at"#,
        &ids
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        parse_datetime(text)
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|e| e)
    }

    #[test]
    fn the_hour_may_be_unpadded_or_padded() {
        assert_eq!(at("2018-04-13 9:58:49 +02:00"), "2018-04-13T09:58:49+02:00");
        assert_eq!(
            at("2018-04-13 09:58:49 +02:00"),
            "2018-04-13T09:58:49+02:00"
        );
        assert_eq!(at("2024-12-01 0:05:00 +01:00"), "2024-12-01T00:05:00+01:00");
        assert_eq!(
            at("2024-12-01 23:59:59 +01:00"),
            "2024-12-01T23:59:59+01:00"
        );
        assert_eq!(at("2024-12-01  7:5:9  +01:00"), "2024-12-01T07:05:09+01:00");
    }

    #[test]
    fn offsets_may_be_negative_or_zero() {
        assert_eq!(at("2024-03-31 2:30:00 -05:00"), "2024-03-31T02:30:00-05:00");
        assert_eq!(at("2024-03-31 2:30:00 +00:00"), "2024-03-31T02:30:00+00:00");
        assert_eq!(at("2024-03-31 2:30:00 -00:30"), "2024-03-31T02:30:00-00:30");
        let utc = parse_datetime("2018-04-13 9:58:49 +02:00").expect("parses");
        assert_eq!(
            utc.with_timezone(&Utc).to_rfc3339(),
            "2018-04-13T07:58:49+00:00"
        );
    }

    #[test]
    fn bad_spellings_are_errors() {
        for bad in [
            "",
            "2018-04-13",
            "2018-04-13 9:58:49",
            "2018-04-13T09:58:49+02:00",
            "2018-04-13 24:00:00 +02:00",
            "2018-04-13 9:60:00 +02:00",
            "2018-04-13 9:58 +02:00",
            "2018-02-30 9:58:49 +02:00",
            "2018-04-13 9:58:49 02:00",
            "2018-04-13 9:58:49 +0200",
            "2018-04-13 9:58:49 +02:75",
            "2018-04-13 9:58:49 +02:00 extra",
            "2018-04-13 -9:58:49 +02:00",
            "2018-04-13 9:58:49 Z",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn the_payload_is_read_and_gps_ignored() {
        let body = br#"[{"id":541231,"datetime":"2026-11-30 9:03:10 +01:00",
            "name":"30 november 09.03, Inbrott, Lindesberg","summary":"Inbrott i villa.",
            "url":"/aktuellt/handelser/2026/november/30/inbrott-lindesberg/",
            "type":"Inbrott","location":{"name":"Lindesberg","gps":"59.594,15.230"}}]"#;
        let events = parse_payload(body).expect("parses");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].police_id, 541231);
        assert_eq!(events[0].kind, "Inbrott");
        assert_eq!(
            events[0].occurred_at.to_rfc3339(),
            "2026-11-30T08:03:10+00:00"
        );
        assert!(parse_payload(b"{\"not\": \"a list\"}").is_err());
        assert!(parse_payload(br#"[{"id":1}]"#).is_err());
    }

    #[test]
    fn urls_become_absolute() {
        assert_eq!(
            absolute_url("/aktuellt/x/"),
            "https://polisen.se/aktuellt/x/"
        );
        assert_eq!(absolute_url("https://polisen.se/a"), "https://polisen.se/a");
    }

    #[test]
    fn the_default_name_drops_kommun_and_the_genitive() {
        assert_eq!(default_location_name("Lindesbergs kommun"), "Lindesberg");
        assert_eq!(default_location_name("Nora kommun"), "Nora");
        assert_eq!(default_location_name("Borås kommun"), "Borås");
        assert_eq!(default_location_name("Kramfors kommun"), "Kramfors");
        assert_eq!(default_location_name("Region Gotland"), "Gotland");
        assert_eq!(default_location_name("Stockholms stad"), "Stockholm");
    }
}

/// An event as the lägesbild lists it.
#[derive(Clone)]
pub struct Shown {
    /// Local time, `2026-11-30 09:03`.
    pub occurred: String,
    pub kind: String,
    pub name: String,
    pub summary: String,
    /// Absolute, on polisen.se.
    pub link: String,
}

/// The police's events of one period in the lägesbild.
#[derive(Clone)]
pub struct PeriodView {
    /// Events per type, most first.
    pub by_kind: Vec<(String, i64)>,
    pub events: Vec<Shown>,
    /// The period and the four before it: label and count, oldest first.
    pub trend: Vec<(String, i64)>,
}

impl PeriodView {
    /// Whether the police published anything in the period or the four
    /// before it (else the comparison is a row of zeros, and not shown).
    pub fn has_trend(&self) -> bool {
        self.trend.iter().any(|(_, n)| *n > 0)
    }
}

fn local(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    at.with_timezone(&chrono_tz::Europe::Stockholm)
        .naive_local()
}

/// A stored event as a page reads it.
#[derive(Clone, Debug, Deserialize)]
pub struct EventRow {
    pub police_id: i64,
    pub occurred_at: DateTime<Utc>,
    pub kind: String,
    pub name: String,
    pub summary: String,
    pub url: String,
}

/// The events from `first` to `last` (local dates) among `rows`, with the
/// counts of the four periods of the same length before.
pub fn period_view(rows: &[EventRow], first: NaiveDate, last: NaiveDate) -> PeriodView {
    let days = (last - first).num_days() + 1;
    let start = first - chrono::Days::new(u64::try_from(days * 4).unwrap_or(0));
    let mut trend: Vec<(String, i64)> = (0..5)
        .map(|i| {
            let from = start + chrono::Days::new(u64::try_from(days * i).unwrap_or(0));
            let w = from.iso_week();
            (format!("v. {}", w.week()), 0)
        })
        .collect();
    let mut by_kind: Vec<(String, i64)> = Vec::new();
    let mut events = Vec::new();
    for r in rows.iter().cloned() {
        let day = local(r.occurred_at).date();
        if day < start || day > last {
            continue;
        }
        let slot = usize::try_from((day - start).num_days() / days.max(1)).unwrap_or(0);
        if let Some(t) = trend.get_mut(slot.min(4)) {
            t.1 += 1;
        }
        if day < first {
            continue;
        }
        match by_kind.iter_mut().find(|(k, _)| *k == r.kind) {
            Some((_, n)) => *n += 1,
            None => by_kind.push((r.kind.clone(), 1)),
        }
        events.push(Shown {
            occurred: local(r.occurred_at).format("%Y-%m-%d %H:%M").to_string(),
            link: absolute_url(&r.url),
            kind: r.kind,
            name: r.name,
            summary: r.summary,
        });
    }
    by_kind.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    PeriodView {
        by_kind,
        events,
        trend,
    }
}

/// The police part of `/est/installningar`.
pub struct SettingsView {
    /// The names asked for, one a line (or the refused input).
    pub names: String,
    /// Fetching is on when `SAMORDNA_POLICE_EVENTS_URL` is set.
    pub fetching: super::Fetching,
}

/// The settings view of one municipality.
pub async fn settings_view(
    db: &PgPool,
    config: &Config,
    municipality_id: MunicipalityId,
) -> sqlx::Result<SettingsView> {
    let s = sqlx::query!(
        r#"select m.name, s.location_names as "names?", s.last_fetched_at as "last_fetched_at?",
                  s.last_error as "last_error?", s.last_error_at as "last_error_at?"
           from municipality m left join police_source s on s.municipality_id = m.id
           where m.id = $1"#,
        municipality_id.get()
    )
    .fetch_one(db)
    .await?;
    let names = s
        .names
        .clone()
        .unwrap_or_else(|| vec![default_location_name(&s.name)]);
    Ok(SettingsView {
        names: names.join("\n"),
        fetching: super::Fetching::new(
            config.police_events_url.is_some(),
            s.last_fetched_at,
            s.last_error,
            s.last_error_at,
        ),
    })
}

/// Reads the location names from a textarea, one a line; an error in Swedish.
pub fn read_names(text: &str) -> Result<Vec<String>, &'static str> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.chars().count() > 80 || line.contains(';') || line.chars().any(char::is_control) {
            return Err("Ett ortnamn per rad, högst 80 tecken, utan semikolon.");
        }
        if !names.iter().any(|n| n.eq_ignore_ascii_case(line)) {
            names.push(line.to_owned());
        }
    }
    if names.len() > 20 {
        return Err("Ange högst 20 ortnamn.");
    }
    Ok(names)
}

/// Saves the municipality's location names (an empty list stops fetching for it).
pub async fn save_names(
    tx: &mut sqlx::PgConnection,
    municipality_id: MunicipalityId,
    names: &[String],
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into police_source (municipality_id, location_names) values ($1, $2)
           on conflict (municipality_id) do update set location_names = excluded.location_names"#,
        municipality_id.get(),
        names
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Events of one type in one week (or month), from the dashboard's statement.
#[derive(Clone, Debug, Deserialize)]
pub struct KindCount {
    pub week: NaiveDate,
    pub kind: String,
    pub n: i64,
}

/// The dashboard's table: a row per type, a column per week (or month).
#[derive(Clone, Default)]
pub struct KindTable {
    pub columns: Vec<String>,
    /// Type, counts per column, and the type's total.
    pub rows: Vec<(String, Vec<i64>, i64)>,
}

/// Lays `counts` out over the dashboard's `buckets` (first days) named `labels`.
pub fn kind_table(counts: &[KindCount], buckets: &[NaiveDate], labels: &[String]) -> KindTable {
    let mut kinds: Vec<&str> = counts.iter().map(|c| c.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut rows: Vec<(String, Vec<i64>, i64)> = kinds
        .into_iter()
        .map(|kind| {
            let cells: Vec<i64> = buckets
                .iter()
                .map(|b| {
                    counts
                        .iter()
                        .filter(|c| c.kind == kind && c.week == *b)
                        .map(|c| c.n)
                        .sum()
                })
                .collect();
            let total = cells.iter().sum();
            (kind.to_owned(), cells, total)
        })
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    KindTable {
        columns: labels.to_vec(),
        rows,
    }
}
