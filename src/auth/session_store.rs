//! tower-sessions records in our own `session` table.
//!
//! Why not tower-sessions-sqlx-store: it turns on sqlx's `time` feature, and
//! then every `query!` maps `date`/`timestamptz` to `time` types instead of
//! the `chrono` types the rest of Samordna (and chrono-tz) uses.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

/// Sessions in PostgreSQL.
#[derive(Clone, Debug)]
pub struct PgSessionStore {
    db: PgPool,
}

impl PgSessionStore {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }
}

fn backend(e: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_chrono(at: OffsetDateTime) -> session_store::Result<DateTime<Utc>> {
    let nanos = i64::try_from(at.unix_timestamp_nanos())
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok(DateTime::from_timestamp_nanos(nanos))
}

fn to_time(at: DateTime<Utc>) -> session_store::Result<OffsetDateTime> {
    let nanos = at
        .timestamp_nanos_opt()
        .ok_or_else(|| session_store::Error::Decode("expiry out of range".into()))?;
    OffsetDateTime::from_unix_timestamp_nanos(nanos.into())
        .map_err(|e| session_store::Error::Decode(e.to_string()))
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_value(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let expiry = to_chrono(record.expiry_date)?;
        // A fresh random id is practically never taken; if it is, draw again.
        loop {
            let inserted = sqlx::query!(
                r#"insert into session (id, data, expiry_date) values ($1, $2, $3)
                   on conflict (id) do nothing"#,
                record.id.to_string(),
                data,
                expiry
            )
            .execute(&self.db)
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_value(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        sqlx::query!(
            r#"insert into session (id, data, expiry_date) values ($1, $2, $3)
               on conflict (id) do update set data = excluded.data, expiry_date = excluded.expiry_date"#,
            record.id.to_string(),
            data,
            to_chrono(record.expiry_date)?
        )
        .execute(&self.db)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = sqlx::query!(
            "select data, expiry_date from session where id = $1 and expiry_date > now()",
            id.to_string()
        )
        .fetch_optional(&self.db)
        .await
        .map_err(backend)?;
        row.map(|r| {
            Ok(Record {
                id: *id,
                data: serde_json::from_value(r.data)
                    .map_err(|e| session_store::Error::Decode(e.to_string()))?,
                expiry_date: to_time(r.expiry_date)?,
            })
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query!("delete from session where id = $1", id.to_string())
            .execute(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for PgSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query!("delete from session where expiry_date < now()")
            .execute(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
