//! Daily jobs, once a day across every instance.
//!
//! Every instance runs the same loop and checks every
//! [`crate::config::Config::job_check_seconds`] from
//! [`crate::config::Config::job_hour`] in the morning; a check opens a
//! transaction on a connection of its own (outside the pool, which the job
//! itself uses, so that even a pool of one connection cannot starve), takes the job's advisory lock with
//! `pg_try_advisory_xact_lock` (another instance running it now: skip),
//! looks for today's row in `job_run` (ran already: skip), runs the job and
//! writes the row in that transaction. The lock ends with the transaction,
//! also when the instance dies (PostgreSQL closes its connection), and a
//! job that died wrote no row, so the next check on any instance runs it
//! again: the jobs themselves claim each item they mail about, so a rerun
//! never mails twice.

use std::future::Future;
use std::time::Duration;

use sqlx::{Connection, PgConnection, PgPool};

/// The first key of Samordna's advisory locks ("SAMO"); the second is the
/// job's name hashed.
pub(crate) const LOCK_CLASS: i32 = 0x5341_4D4F;

/// Runs `job` unless it ran today or runs on another instance now.
/// `Some` with what it returned when it ran here.
pub async fn once_today<T, F, Fut>(db: &PgPool, name: &str, job: F) -> anyhow::Result<Option<T>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let mut connection = PgConnection::connect_with(&db.connect_options()).await?;
    let outcome = locked_once_today(&mut connection, name, job).await;
    // Closed politely whatever happened (the server logs a dropped one).
    let _ = connection.close().await;
    outcome
}

async fn locked_once_today<T, F, Fut>(
    connection: &mut PgConnection,
    name: &str,
    job: F,
) -> anyhow::Result<Option<T>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let day = crate::web::today();
    let mut tx = connection.begin().await?;
    let locked = sqlx::query_scalar!(
        r#"select pg_try_advisory_xact_lock($1, hashtext($2)) as "locked!""#,
        LOCK_CLASS,
        name
    )
    .fetch_one(&mut *tx)
    .await?;
    if !locked {
        return Ok(None);
    }
    let ran = sqlx::query_scalar!(
        r#"select exists (select 1 from job_run where job = $1 and day = $2) as "ran!""#,
        name,
        day
    )
    .fetch_one(&mut *tx)
    .await?;
    if ran {
        return Ok(None);
    }
    let value = job().await?;
    sqlx::query!("insert into job_run (job, day) values ($1, $2)", name, day)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(value))
}

/// When the daily jobs' loops look: every `every`, from `from_hour`
/// o'clock Swedish time (before it, a day's job waits for the morning).
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    pub every: Duration,
    pub from_hour: u32,
}

impl Schedule {
    /// Whether a job may run at `now`.
    pub fn open_at(self, now: chrono::DateTime<chrono::Utc>) -> bool {
        use chrono::Timelike;
        now.with_timezone(&chrono_tz::Europe::Stockholm).hour() >= self.from_hour
    }
}

/// The loop of one daily job in `serve`: checks on `schedule` and runs the
/// job once a day across every instance; logs what it did.
pub async fn daily<F, Fut>(db: PgPool, name: &'static str, schedule: Schedule, job: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<String>>,
{
    let mut tick = tokio::time::interval(schedule.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if !schedule.open_at(chrono::Utc::now()) {
            continue;
        }
        match once_today(&db, name, &job).await {
            Ok(Some(done)) => tracing::info!(job = name, "{done}"),
            Ok(None) => tracing::debug!(job = name, "ran today already, or runs elsewhere"),
            Err(error) => tracing::error!(job = name, ?error, "daily job failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::Schedule;

    #[test]
    fn a_daily_job_waits_for_its_hour_in_swedish_time() {
        let schedule = Schedule {
            every: std::time::Duration::from_secs(600),
            from_hour: 6,
        };
        // 04:59 UTC in winter is 05:59 in Sweden; 05:00 UTC is 06:00.
        assert!(!schedule.open_at(Utc.with_ymd_and_hms(2026, 12, 2, 4, 59, 0).unwrap()));
        assert!(schedule.open_at(Utc.with_ymd_and_hms(2026, 12, 2, 5, 0, 0).unwrap()));
        // Summer time: 04:00 UTC is 06:00.
        assert!(schedule.open_at(Utc.with_ymd_and_hms(2026, 7, 1, 4, 0, 0).unwrap()));
        assert!(!schedule.open_at(Utc.with_ymd_and_hms(2026, 7, 1, 3, 59, 0).unwrap()));
        // Until midnight.
        assert!(schedule.open_at(Utc.with_ymd_and_hms(2026, 12, 2, 22, 59, 0).unwrap()));
    }
}
