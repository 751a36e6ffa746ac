//! tower-sessions records in our own `session` table.
//!
//! Why not tower-sessions-sqlx-store: it turns on sqlx's `time` feature, and
//! then every `query!` maps `date`/`timestamptz` to `time` types instead of
//! the `chrono` types the rest of Samordna (and chrono-tz) uses.
//!
//! Records are cached in memory ([`IdentityCache`]): a page view reads none.
//! Every write and delete tells the other instances in the same statement.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use crate::auth::identity::IdentityCache;

/// Sessions in PostgreSQL, cached in memory.
#[derive(Clone)]
pub struct PgSessionStore {
    db: PgPool,
    identity: Arc<IdentityCache>,
}

impl std::fmt::Debug for PgSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSessionStore").finish_non_exhaustive()
    }
}

impl PgSessionStore {
    pub fn new(db: PgPool, identity: Arc<IdentityCache>) -> Self {
        Self { db, identity }
    }

    /// The notice other instances act on: this session changed here.
    fn notice(&self, id: &Id) -> String {
        format!("session:{id}:{}", self.identity.instance)
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
        let epoch = self.identity.epoch();
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
                self.identity
                    .put_session(record.id.to_string(), record.clone(), epoch);
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_value(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let epoch = self.identity.epoch();
        sqlx::query!(
            r#"with saved as (
                   insert into session (id, data, expiry_date) values ($1, $2, $3)
                   on conflict (id) do update
                   set data = excluded.data, expiry_date = excluded.expiry_date)
               select pg_notify('samordna_identity', $4)"#,
            record.id.to_string(),
            data,
            to_chrono(record.expiry_date)?,
            self.notice(&record.id)
        )
        .execute(&self.db)
        .await
        .map_err(backend)?;
        self.identity
            .put_session(record.id.to_string(), record.clone(), epoch);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.identity.session(&id.to_string()) {
            if record.expiry_date > OffsetDateTime::now_utc() {
                return Ok(Some(record));
            }
            self.identity.forget_session(&id.to_string());
            return Ok(None);
        }
        let epoch = self.identity.epoch();
        let row = sqlx::query!(
            "select data, expiry_date from session where id = $1 and expiry_date > now()",
            id.to_string()
        )
        .fetch_optional(&self.db)
        .await
        .map_err(backend)?;
        let Some(r) = row else {
            return Ok(None);
        };
        let record = Record {
            id: *id,
            data: serde_json::from_value(r.data)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
            expiry_date: to_time(r.expiry_date)?,
        };
        self.identity
            .put_session(id.to_string(), record.clone(), epoch);
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.identity.forget_session(&id.to_string());
        sqlx::query!(
            r#"with gone as (delete from session where id = $1)
               select pg_notify('samordna_identity', $2)"#,
            id.to_string(),
            self.notice(id)
        )
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
