//! Choice lists for `<select>` fields that several features offer: people,
//! positions and organisations of the signed-in person's municipality.

use uuid::Uuid;

use crate::error::AppResult;
use crate::tenant::MunicipalityId;

/// An option in a `<select>`.
#[derive(Clone)]
pub struct Choice {
    pub id: Uuid,
    pub label: String,
}

/// The label of the choice `id` among `choices`, or an empty one.
pub fn label_of(choices: &[Choice], id: Uuid) -> String {
    choices
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.label.clone())
        .unwrap_or_default()
}

/// The people the municipality knows, as choices.
pub async fn person_choices(
    db: &sqlx::PgPool,
    municipality_id: MunicipalityId,
) -> AppResult<Vec<Choice>> {
    Ok(sqlx::query_as!(
        Choice,
        r#"select p.id, p.name || ' (' || p.email || ')' as "label!" from person p
           join person_municipality pm on pm.person_id = p.id
           where pm.municipality_id = $1 and p.active order by p.name"#,
        municipality_id.get()
    )
    .fetch_all(db)
    .await?)
}

/// The municipality's positions, as choices.
pub async fn position_choices(
    db: &sqlx::PgPool,
    municipality_id: MunicipalityId,
) -> AppResult<Vec<Choice>> {
    Ok(sqlx::query_as!(
        Choice,
        "select id, title as label from position where municipality_id = $1 order by title",
        municipality_id.get()
    )
    .fetch_all(db)
    .await?)
}

/// The municipality's organisations, as choices.
pub async fn organisation_choices(
    db: &sqlx::PgPool,
    municipality_id: MunicipalityId,
) -> AppResult<Vec<Choice>> {
    Ok(sqlx::query_as!(
        Choice,
        "select id, name as label from organisation where municipality_id = $1 order by name",
        municipality_id.get()
    )
    .fetch_all(db)
    .await?)
}
