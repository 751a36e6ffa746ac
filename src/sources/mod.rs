//! Outside sources for the kartläggning (issue 13): the police's published
//! events and Kolada's public statistics. `samordna hamta` fetches every source at once; in `serve` a
//! background task fetches them on their own schedule.

pub mod kolada;
pub mod police;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::config::Config;

/// How a source's fetching goes, as its part of `/est/installningar` shows
/// it (`templates/sources/fetching.html`).
pub struct Fetching {
    /// Whether fetching is on in this installation (the source's URL is set).
    pub on: bool,
    pub last_fetched: Option<String>,
    /// The last error and when it happened.
    pub last_error: Option<(String, String)>,
}

impl Fetching {
    /// From whether the source's URL is set, its last fetch and its last
    /// error, the times as Swedish local time.
    pub fn new(
        on: bool,
        fetched: Option<DateTime<Utc>>,
        error: Option<String>,
        error_at: Option<DateTime<Utc>>,
    ) -> Self {
        use crate::web::format_local;
        Self {
            on,
            last_fetched: fetched.map(format_local),
            last_error: error.zip(error_at.map(format_local)),
        }
    }
}

/// Fetches every outside source now (`samordna hamta`), as often as the
/// sources' own rules allow; one line per source for the operator.
pub async fn fetch_all_now(db: &PgPool, config: &Config) -> anyhow::Result<Vec<String>> {
    let police = police::fetch(db, config, police::CLI_INTERVAL).await?;
    let kolada = kolada::fetch(db, config, kolada::Schedule::Now(kolada::CLI_INTERVAL)).await?;
    Ok(vec![
        format!("Polisens händelser: {}", police.describe()),
        format!("Kolada: {}", kolada.describe()),
    ])
}

/// The background task of `serve`: tries every minute; the claim in the
/// database lets one call through per interval across every instance (the
/// police's every ten minutes; Kolada's a check a day, a call when the
/// year's fetch is due).
pub async fn run(db: PgPool, config: Config) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match police::fetch(&db, &config, police::INTERVAL).await {
            // Quiet when there is nothing to do: the loop runs every minute.
            Ok(
                police::Outcome::Off
                | police::Outcome::NotDue
                | police::Outcome::Stopped
                | police::Outcome::NothingToAsk,
            ) => {}
            Ok(outcome) => tracing::info!("Polisens händelser: {}", outcome.describe()),
            Err(error) => tracing::error!(%error, "Polisens händelser kunde inte hämtas"),
        }
        match kolada::fetch(&db, &config, kolada::Schedule::Yearly).await {
            Ok(kolada::Outcome::Off | kolada::Outcome::NotDue | kolada::Outcome::NothingToAsk) => {}
            Ok(outcome) => tracing::info!("Kolada: {}", outcome.describe()),
            Err(error) => tracing::error!(%error, "Kolada kunde inte hämtas"),
        }
    }
}
