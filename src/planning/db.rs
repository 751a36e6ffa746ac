//! Planning's queries that several pages share.

use chrono::NaiveDate;
use uuid::Uuid;

use super::model::{GoalLevel, GoalRow, MeasureRow, MeasureStatus};
use crate::error::AppResult;
use crate::tenant::MunicipalityId;
use crate::web::choice::Choice;

/// Goals in tree order (each under its parent), with their depth.
pub async fn goals(db: &sqlx::PgPool, m: MunicipalityId) -> AppResult<Vec<GoalRow>> {
    let rows = sqlx::query!(
        r#"select g.id, g.parent_id, g.level as "level: GoalLevel", g.title, g.indicator, g.target, g.target_date,
                  (select f.value || ' (' || f.on_date || ')' from goal_followup f where f.goal_id = g.id
                   order by f.on_date desc, f.created_at desc limit 1) as latest
           from goal g where g.municipality_id = $1 order by g.created_at"#,
        m.get()
    )
    .fetch_all(db)
    .await?;
    let mut ordered = Vec::new();
    fn walk(parent: Option<Uuid>, depth: usize, rows: &[GoalRowSource], out: &mut Vec<GoalRow>) {
        for r in rows.iter().filter(|r| r.parent_id == parent) {
            out.push(GoalRow {
                id: r.id,
                parent_id: r.parent_id,
                level: r.level,
                title: r.title.clone(),
                indicator: r.indicator.clone(),
                target: r.target.clone(),
                target_date: r.target_date,
                latest: r.latest.clone(),
                depth,
            });
            walk(Some(r.id), depth + 1, rows, out);
        }
    }
    let source: Vec<GoalRowSource> = rows
        .into_iter()
        .map(|r| GoalRowSource {
            id: r.id,
            parent_id: r.parent_id,
            level: r.level,
            title: r.title,
            indicator: r.indicator,
            target: r.target,
            target_date: r.target_date,
            latest: r.latest,
        })
        .collect();
    walk(None, 0, &source, &mut ordered);
    Ok(ordered)
}

struct GoalRowSource {
    id: Uuid,
    parent_id: Option<Uuid>,
    level: GoalLevel,
    title: String,
    indicator: String,
    target: String,
    target_date: Option<NaiveDate>,
    latest: Option<String>,
}

/// Measures of the municipality, of one goal when given.
pub async fn measures(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    goal: Option<Uuid>,
) -> AppResult<Vec<MeasureRow>> {
    Ok(sqlx::query_as!(
        MeasureRow,
        r#"select ms.id, ms.title, p.title as "responsible?", g.title as "goal?", ms.due_on, ms.percent_done,
                  ms.status as "status: MeasureStatus"
           from measure ms left join position p on p.id = ms.responsible_position_id left join goal g on g.id = ms.goal_id
           where ms.municipality_id = $1 and ($2::uuid is null or ms.goal_id = $2)
           order by ms.due_on, ms.title"#,
        m.get(),
        goal
    )
    .fetch_all(db)
    .await?)
}

/// Meetings of the Styrgrupp and the beredningsgrupp, as choices for
/// "decided at" (newest first).
pub async fn deciding_meetings(db: &sqlx::PgPool, m: MunicipalityId) -> AppResult<Vec<Choice>> {
    Ok(sqlx::query!(
        r#"select mt.id, g.name, mt.starts_at from meeting mt join work_group g on g.id = mt.work_group_id
           where mt.municipality_id = $1 and g.tier in ('styrgrupp', 'beredningsgrupp') and mt.status <> 'cancelled'
           order by mt.starts_at desc limit 60"#,
        m.get()
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| Choice { id: r.id, label: format!("{} {}", r.name, crate::web::format_local(r.starts_at)) })
    .collect())
}
