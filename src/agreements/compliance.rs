//! Which external organisations take part in the structure without an
//! agreement in force covering the group they sit in.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::error::AppResult;
use crate::tenant::MunicipalityId;

/// An external organisation in a group without a covering agreement in force.
pub struct Gap {
    pub organisation_id: Uuid,
    pub organisation: String,
    pub group_id: Uuid,
    pub group: String,
}

/// Every (external organisation, active group) with a member position of
/// that organisation and no fully signed, currently valid agreement that
/// names the group.
pub async fn gaps(db: &sqlx::PgPool, m: MunicipalityId, day: NaiveDate) -> AppResult<Vec<Gap>> {
    Ok(sqlx::query_as!(
        Gap,
        r#"select organisation_id as "organisation_id!", organisation as "organisation!",
                  group_id as "group_id!", group_name as "group!"
           from agreement_gaps($1, $2)
           order by organisation, group_name"#,
        m.get(),
        day
    )
    .fetch_all(db)
    .await?)
}
