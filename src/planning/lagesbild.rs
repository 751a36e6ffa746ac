//! The periodic lägesbild the law asks for: a kartläggning of crime (its
//! scope, from the EST reports of the period, counted in SQL and kept as
//! they were), other relevant information (the sources of the period) and
//! the coordinator's analysis.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::PlanningAccess;
use super::model::{LagesbildForm, source_kind_label};
use super::overview::{Forms, invalid};
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::change::Change;
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form};
use crate::web::layout::Chrome;
use crate::web::path::IdPath;

/// The generated statistics of a period.
#[derive(Serialize, Deserialize, Default)]
pub struct Statistics {
    pub incidents: i64,
    pub reported_to_police: i64,
    pub by_category: Vec<(String, i64)>,
    pub by_area: Vec<(String, i64)>,
    pub by_month: Vec<(String, i64)>,
    pub high_insecurity: i64,
    pub open_needs: i64,
    pub sources: Vec<(NaiveDate, String, String)>,
}

async fn statistics(
    db: &sqlx::PgPool,
    m: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Statistics> {
    let totals = sqlx::query!(
        r#"select count(*) as "n!", count(*) filter (where reported_to_police) as "police!",
                  count(*) filter (where insecurity >= 4) as "high!"
           from est_incident where municipality_id = $1 and occurred_on between $2 and $3 and duplicate_of is null"#,
        m,
        from,
        to
    )
    .fetch_one(db)
    .await?;
    let grouped = |sql: &'static str| async move {
        sqlx::query_as::<_, (String, i64)>(sql)
            .bind(m)
            .bind(from)
            .bind(to)
            .fetch_all(db)
            .await
    };
    // Runtime queries: three group-bys that differ only in the grouping.
    let by_category = grouped(
        "select coalesce(pc.name, c.name), count(*) from est_incident i join incident_category c on c.id = i.category_id
         left join incident_category pc on pc.id = c.parent_id
         where i.municipality_id = $1 and i.occurred_on between $2 and $3 and i.duplicate_of is null group by 1 order by 2 desc, 1",
    )
    .await?;
    let by_area = grouped(
        "select a.name, count(*) from est_incident i join area a on a.id = i.area_id
         where i.municipality_id = $1 and i.occurred_on between $2 and $3 and i.duplicate_of is null group by 1 order by 2 desc, 1",
    )
    .await?;
    let by_month = grouped(
        "select to_char(i.occurred_on, 'YYYY-MM'), count(*) from est_incident i
         where i.municipality_id = $1 and i.occurred_on between $2 and $3 and i.duplicate_of is null group by 1 order by 1",
    )
    .await?;
    let open_needs = sqlx::query_scalar!(
        r#"select count(*) as "n!" from cooperation_need where municipality_id = $1 and status <> 'closed'"#,
        m
    )
    .fetch_one(db)
    .await?;
    let sources = sqlx::query!(
        "select on_date, title, kind from kartlaggning_source where municipality_id = $1 and on_date between $2 and $3 order by on_date",
        m,
        from,
        to
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.on_date, r.title, source_kind_label(&r.kind).to_owned()))
    .collect();
    Ok(Statistics {
        incidents: totals.n,
        reported_to_police: totals.police,
        high_insecurity: totals.high,
        by_category,
        by_area,
        by_month,
        open_needs,
        sources,
    })
}

/// `POST /planering/lagesbild`.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<LagesbildForm>,
) -> AppResult<Response> {
    PlanningAccess::load(&state.db, &user)
        .await?
        .require_edit()?;
    let m = user.municipality_id();
    let mut e = FieldErrors::default();
    let title = forms::required_line(&mut e, "lb_title", &form.lb_title, "rubriken", 300);
    let from = forms::required_date(&mut e, "period_from", &form.period_from);
    let to = forms::required_date(&mut e, "period_to", &form.period_to);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        e.add(
            "period_to",
            "Periodens slut kan inte vara före dess början.",
        );
    }
    let other = forms::optional_text(
        &mut e,
        "other_information",
        &form.other_information,
        "övrig information",
        20000,
    );
    let analysis = forms::optional_text(&mut e, "analysis", &form.analysis, "analysen", 20000);
    let (Some(from), Some(to), true) = (from, to, e.is_empty()) else {
        return invalid(
            &state,
            &user,
            Forms {
                lagesbild: form,
                ..Forms::default()
            },
            e,
        )
        .await;
    };
    let stats = statistics(&state.db, m, from, to).await?;
    let id = Uuid::now_v7();
    let mut change =
        Change::once(&state, &user, &form.form_token, "/planering#lagesbilder").await?;
    sqlx::query!(
        r#"insert into periodic_lagesbild (id, municipality_id, title, period_from, period_to, statistics, other_information, analysis, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        id, m, title, from, to, serde_json::to_value(&stats).map_err(anyhow::Error::from)?, other, analysis, user.id()
    )
    .execute(change.tx())
    .await?;
    change
        .done(
            Event {
                action: "sammanställde",
                entity: "lägesbild",
                entity_id: Some(id),
                summary: format!("{title} ({from} – {to})"),
                before: None,
                after: Some(json!({ "händelser": stats.incidents })),
            },
            "Lägesbilden är sammanställd.",
            &format!("/planering/lagesbild/{id}"),
        )
        .await
}

#[derive(Template, WebTemplate)]
#[template(path = "planning/lagesbild.html")]
pub struct LagesbildPage {
    chrome: Chrome,
    title: String,
    municipality: String,
    from: NaiveDate,
    to: NaiveDate,
    stats: Statistics,
    other_information: String,
    analysis: String,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<LagesbildPage> {
    PlanningAccess::load(&state.db, &user).await?;
    let r = sqlx::query!(
        "select title, period_from, period_to, statistics, other_information, analysis from periodic_lagesbild where id = $1 and municipality_id = $2",
        id,
        user.municipality_id()
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(LagesbildPage {
        chrome: user.chrome("planering").await,
        title: r.title,
        municipality: user.municipality.name.clone(),
        from: r.period_from,
        to: r.period_to,
        stats: serde_json::from_value(r.statistics).unwrap_or_default(),
        other_information: r.other_information,
        analysis: r.analysis,
    })
}
