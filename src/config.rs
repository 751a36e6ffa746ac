//! Typed configuration, read from the environment (see README).

use std::path::PathBuf;

use anyhow::Context;

use crate::auth::client::IpRange;

/// Settings for one running instance.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`; when absent an embedded cluster under `data_dir` is used.
    pub database_url: Option<String>,
    /// Where the embedded PostgreSQL cluster lives (`SAMORDNA_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The address users reach the app at (`SAMORDNA_PUBLIC_URL`); an
    /// `https://` address turns on `Secure` cookies.
    pub public_url: String,
    /// Demo mode: show demo accounts on the login page.
    pub demo: bool,
    /// `SAMORDNA_SMTP_URL`, e.g. `smtp://user:password@mail.kommun.se:587?tls=required`.
    pub smtp_url: Option<String>,
    /// Where mail is written as `.eml` files when no SMTP is set (`SAMORDNA_MAIL_DIR`).
    pub mail_dir: PathBuf,
    /// The sender of Samordna's mail (`SAMORDNA_MAIL_FROM`).
    pub mail_from: String,
    /// Where users report accessibility problems (`SAMORDNA_ACCESSIBILITY_CONTACT`).
    pub accessibility_contact: String,
    /// Connections in the pool (`SAMORDNA_DB_POOL_SIZE`); by default two per
    /// core plus two, since PostgreSQL usually shares the machine.
    pub db_pool_size: u32,
    /// A session ends this long after sign-in, however active
    /// (`SAMORDNA_SESSION_MAX_HOURS`, default 12).
    pub session_max_minutes: i64,
    /// A session ends after this long without a request
    /// (`SAMORDNA_SESSION_IDLE_MINUTES`, default 60).
    pub session_idle_minutes: i64,
    /// Answer every request with the number of SQL statements it ran, in
    /// the `x-samordna-statements` header (`SAMORDNA_COUNT_STATEMENTS=1`;
    /// the tests and the benchmark use it).
    pub count_statements: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client
    /// (`SAMORDNA_TRUSTED_PROXIES`, comma-separated IPs or CIDR blocks).
    pub trusted_proxies: Vec<IpRange>,
    /// Days a one-time password works (`SAMORDNA_ONE_TIME_PASSWORD_DAYS`).
    pub one_time_password_days: u32,
    /// The optional background map (`SAMORDNA_TILE_URL`).
    pub tiles: Option<TileConfig>,
    /// The public tip form's protection (minimum fill-in time, tips per
    /// client and hour); the defaults in production, lowered in tests.
    pub tip_limits: crate::tips::protect::TipLimits,
    /// The police's events API (`SAMORDNA_POLICE_EVENTS_URL`, default
    /// <https://polisen.se/api/events>); `None` (an empty value) turns
    /// fetching off.
    pub police_events_url: Option<String>,
    /// Kolada's open API, v2 (`SAMORDNA_KOLADA_URL`, default
    /// <https://api.kolada.se/v2>); `None` (an empty value) turns fetching off.
    pub kolada_url: Option<String>,
    /// How often every instance checks whether a daily job is due
    /// (`SAMORDNA_JOB_CHECK_SECONDS`, default 600); the job itself runs once
    /// a day across every instance (`crate::jobs`).
    pub job_check_seconds: u64,
    /// The hour (Swedish time) from which the daily jobs run, so that
    /// reminders and notices arrive in the morning, not at midnight
    /// (`SAMORDNA_JOB_HOUR`, 0–23, default 6).
    pub job_hour: u32,
}

/// A background map from an XYZ tile server, fetched and cached by
/// Samordna's server (`crate::map::tiles`).
#[derive(Clone, Debug)]
pub struct TileConfig {
    /// `SAMORDNA_TILE_URL`: an `http(s)://` address with `{z}`, `{x}` and `{y}`.
    pub url: String,
    /// `SAMORDNA_TILE_ATTRIBUTION`: whose map it is, shown under every map
    /// (by default the tile server's host name).
    pub attribution: String,
    /// Where fetched tiles are kept (`SAMORDNA_DATA_DIR/tiles`).
    pub cache_dir: PathBuf,
    /// The most the kept tiles may take on disk (`SAMORDNA_TILE_CACHE_MB`, default 200).
    pub cache_bytes: u64,
}

impl TileConfig {
    /// Checks a tile address and names its source.
    pub fn new(
        url: &str,
        attribution: Option<String>,
        cache_dir: PathBuf,
        cache_bytes: u64,
    ) -> anyhow::Result<Self> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .filter(|_| ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)))
            .context(
                "SAMORDNA_TILE_URL must be an http:// or https:// address with {z}, {x} and {y}",
            )?;
        let host = rest.split(['/', '?']).next().unwrap_or_default().to_owned();
        Ok(Self {
            url: url.to_owned(),
            attribution: attribution.unwrap_or(host),
            cache_dir,
            cache_bytes,
        })
    }
}

/// The police's open events API.
pub const POLICE_EVENTS_URL: &str = "https://polisen.se/api/events";

/// Kolada's open API (RKA), version 2.
pub const KOLADA_URL: &str = "https://api.kolada.se/v2";

/// How often the daily jobs are checked unless configured otherwise.
pub const JOB_CHECK_SECONDS: u64 = 600;
/// The daily jobs' first hour, Swedish time (`SAMORDNA_JOB_HOUR`).
pub const JOB_HOUR: u32 = 6;

/// How long a one-time password works unless configured otherwise.
pub const ONE_TIME_PASSWORD_DAYS: u32 = 7;

/// An environment variable that is set and not blank.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `SAMORDNA_ONE_TIME_PASSWORD_DAYS`, 1 to 365.
fn one_time_password_days() -> anyhow::Result<u32> {
    match var("SAMORDNA_ONE_TIME_PASSWORD_DAYS") {
        None => Ok(ONE_TIME_PASSWORD_DAYS),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=365).contains(d))
            .context("SAMORDNA_ONE_TIME_PASSWORD_DAYS must be a number of days from 1 to 365"),
    }
}

/// The background map's tiles, when `SAMORDNA_TILE_URL` names a server;
/// they are cached under `data_dir`.
fn tiles(data_dir: &std::path::Path) -> anyhow::Result<Option<TileConfig>> {
    let Some(url) = var("SAMORDNA_TILE_URL") else {
        return Ok(None);
    };
    let megabytes = match var("SAMORDNA_TILE_CACHE_MB") {
        None => 200,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|m| (1..=1_000_000).contains(m))
            .context("SAMORDNA_TILE_CACHE_MB must be a number of megabytes from 1 to 1000000")?,
    };
    Ok(Some(TileConfig::new(
        &url,
        var("SAMORDNA_TILE_ATTRIBUTION"),
        data_dir.join("tiles"),
        megabytes * 1024 * 1024,
    )?))
}

/// `SAMORDNA_POLICE_EVENTS_URL`: the police's API unless set; set but
/// blank turns the source off.
/// An outside source's base address: `default` when the variable is not
/// set, `None` (fetching off) when it is set empty.
fn source_url(name: &str, default: &str) -> Option<String> {
    match std::env::var(name) {
        Err(_) => Some(default.to_owned()),
        Ok(v) if v.trim().is_empty() => None,
        Ok(v) => Some(v.trim().trim_end_matches('/').to_owned()),
    }
}

impl Config {
    /// Reads the environment; a value that cannot be understood is an error.
    pub fn from_env() -> anyhow::Result<Self> {
        let data_dir =
            var("SAMORDNA_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from);
        let trusted_proxies =
            IpRange::parse_list(&var("SAMORDNA_TRUSTED_PROXIES").unwrap_or_default())
                .map_err(anyhow::Error::msg)
                .context("SAMORDNA_TRUSTED_PROXIES")?;
        let one_time_password_days = one_time_password_days()?;
        let tiles = tiles(&data_dir)?;
        Ok(Self {
            tiles,
            trusted_proxies,
            one_time_password_days,
            database_url: var("DATABASE_URL"),
            mail_dir: var("SAMORDNA_MAIL_DIR").map_or_else(|| data_dir.join("mail"), PathBuf::from),
            data_dir,
            smtp_url: var("SAMORDNA_SMTP_URL"),
            accessibility_contact: var("SAMORDNA_ACCESSIBILITY_CONTACT")
                .unwrap_or_else(|| "kommunen@lindesberg.se".to_owned()),
            mail_from: var("SAMORDNA_MAIL_FROM")
                .unwrap_or_else(|| "Samordna <samordna@localhost>".to_owned()),
            public_url: var("SAMORDNA_PUBLIC_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned()),
            demo: false,
            db_pool_size: var("SAMORDNA_DB_POOL_SIZE")
                .and_then(|v| v.parse().ok())
                .filter(|n| (1..=500).contains(n))
                .unwrap_or_else(default_pool_size),
            session_max_minutes: var("SAMORDNA_SESSION_MAX_HOURS")
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|h| (1..=24 * 30).contains(h))
                .map_or(12 * 60, |h| h * 60),
            session_idle_minutes: var("SAMORDNA_SESSION_IDLE_MINUTES")
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|m| (10..=24 * 60).contains(m))
                .unwrap_or(60),
            count_statements: var("SAMORDNA_COUNT_STATEMENTS").is_some_and(|v| v == "1"),
            tip_limits: crate::tips::protect::TipLimits::default(),
            police_events_url: source_url("SAMORDNA_POLICE_EVENTS_URL", POLICE_EVENTS_URL),
            kolada_url: source_url("SAMORDNA_KOLADA_URL", KOLADA_URL),
            job_check_seconds: var("SAMORDNA_JOB_CHECK_SECONDS")
                .and_then(|v| v.trim().parse().ok())
                .filter(|s| (1..=24 * 3600).contains(s))
                .unwrap_or(JOB_CHECK_SECONDS),
            job_hour: var("SAMORDNA_JOB_HOUR")
                .and_then(|v| v.trim().parse().ok())
                .filter(|h| *h < 24)
                .unwrap_or(JOB_HOUR),
        })
    }

    /// Settings for tests: mail as files in `mail_dir`, no embedded cluster,
    /// statements counted.
    pub fn for_tests(mail_dir: PathBuf) -> Self {
        Self {
            database_url: None,
            data_dir: "unused".into(),
            public_url: "http://127.0.0.1".into(),
            demo: true,
            smtp_url: None,
            mail_dir,
            mail_from: "Samordna <samordna@lindesberg.example>".into(),
            accessibility_contact: "tillganglighet@lindesberg.example".into(),
            db_pool_size: 5,
            session_max_minutes: 12 * 60,
            session_idle_minutes: 60,
            count_statements: true,
            trusted_proxies: Vec::new(),
            one_time_password_days: ONE_TIME_PASSWORD_DAYS,
            tiles: None,
            tip_limits: crate::tips::protect::TipLimits::default(),
            police_events_url: None,
            kolada_url: None,
            job_check_seconds: JOB_CHECK_SECONDS,
            job_hour: 0,
        }
    }

    /// When the daily jobs' loops check whether a job is due.
    pub fn job_check(&self) -> crate::jobs::Schedule {
        crate::jobs::Schedule {
            every: std::time::Duration::from_secs(self.job_check_seconds),
            from_hour: self.job_hour,
        }
    }

    /// Whether cookies must carry the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    u32::try_from(cores * 2 + 2).unwrap_or(10)
}
