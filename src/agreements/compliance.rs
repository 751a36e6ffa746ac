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
        r#"select distinct o.id as organisation_id, o.name as organisation, g.id as group_id, g.name as "group"
           from membership ms
           join position p on p.id = ms.position_id
           join organisation o on o.id = p.organisation_id and o.municipality_id = $1 and o.external
           join work_group g on g.id = ms.work_group_id and g.active_from <= $2 and (g.active_to is null or g.active_to >= $2)
           where ms.municipality_id = $1
             and not exists (
                 select 1 from agreement a
                 join agreement_version v on v.agreement_id = a.id and v.version = a.current_version
                 join agreement_group ag on ag.agreement_id = a.id and ag.work_group_id = g.id
                 where a.municipality_id = $1 and a.counterpart_id = o.id and a.status = 'for_signing'
                   and v.valid_from <= $2 and (v.valid_to is null or v.valid_to >= $2)
                   and not exists (
                       select 1 from agreement_type_signatory s
                       where s.agreement_type_id = a.type_id
                         and not exists (select 1 from agreement_signature sg where sg.agreement_id = a.id
                                         and sg.version = a.current_version and sg.position_id = s.position_id and sg.voided_at is null)))
           order by o.name, g.name"#,
        m.get(),
        day
    )
    .fetch_all(db)
    .await?)
}
