//! The audit log: who changed what, when, before and after. Rows are written
//! in the same transaction as the change they describe.

use crate::tenant::MunicipalityId;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// One change to record. Who made it and where come from the signed-in
/// person ([`crate::web::change::Change`]).
pub struct Event<'a> {
    /// What happened, in Swedish (`skapade`, `ändrade`, `upplöste` …).
    pub action: &'a str,
    /// The kind of thing (`arbetsgrupp`, `befattning` …).
    pub entity: &'a str,
    pub entity_id: Option<Uuid>,
    /// One readable line for the log page.
    pub summary: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Event<'a> {
    /// `action` done to an `entity`, told in one `summary` line; add the
    /// record's id, the state before and after with the methods below.
    pub fn new(action: &'a str, entity: &'a str, summary: impl Into<String>) -> Self {
        Self {
            action,
            entity,
            entity_id: None,
            summary: summary.into(),
            before: None,
            after: None,
        }
    }

    /// The record the change was made to.
    pub fn on(self, id: Uuid) -> Self {
        Self {
            entity_id: Some(id),
            ..self
        }
    }

    /// The state before the change.
    pub fn before(self, before: Value) -> Self {
        self.before_maybe(Some(before))
    }

    /// The state before the change, where there may have been none.
    pub fn before_maybe(self, before: Option<Value>) -> Self {
        Self { before, ..self }
    }

    /// The state after the change.
    pub fn after(self, after: Value) -> Self {
        Self {
            after: Some(after),
            ..self
        }
    }
}

/// Writes the event inside the caller's transaction. Only
/// [`crate::web::change::Change`] calls this, so no change is stored without
/// its row.
pub(crate) async fn record(
    conn: &mut PgConnection,
    municipality_id: MunicipalityId,
    person_id: Uuid,
    event: Event<'_>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into audit_event
             (id, municipality_id, person_id, action, entity, entity_id, summary, before, after)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        Uuid::now_v7(),
        municipality_id.get(),
        person_id,
        event.action,
        event.entity,
        event.entity_id,
        event.summary,
        event.before,
        event.after,
    )
    .execute(conn)
    .await?;
    Ok(())
}
