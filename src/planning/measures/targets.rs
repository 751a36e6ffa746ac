//! What a measure targets: the areas and incident categories it is meant
//! to affect (a top category includes its subcategories), the date its
//! effect should start, and whether it is shown on the municipality's public
//! page. Set by the coordinator or the kommunpolis on the measure's page
//! (`POST /planering/atgarder/{id}/effekt`); all of it is stored, or none.

use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use super::super::PlanningEditor;
use super::page;
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::forms::{self, FieldErrors, Form, unprocessable};
use crate::web::path::IdPath;

/// An area or a category to choose.
#[derive(Debug, Clone)]
pub struct TargetChoice {
    pub id: Uuid,
    pub label: String,
    /// A subcategory (shown under its top category).
    pub sub: bool,
    /// Retired areas and categories are offered only when already chosen.
    pub active: bool,
}

/// The municipality's areas, and its categories with each top category
/// followed by its subcategories, in one statement.
pub async fn choices(
    db: &sqlx::PgPool,
    m: MunicipalityId,
) -> AppResult<(Vec<TargetChoice>, Vec<TargetChoice>)> {
    let rows = sqlx::query!(
        r#"select 'area' as "kind!", id as "id!", name as "label!", false as "sub!", active as "active!",
                  sort_order as "top_order!", name as "top_name!", 0 as "level!", sort_order as "own_order!"
           from area where municipality_id = $1
           union all
           select 'category', c.id, c.name, c.parent_id is not null, c.active,
                  coalesce(p.sort_order, c.sort_order), coalesce(p.name, c.name),
                  case when c.parent_id is null then 0 else 1 end, c.sort_order
           from incident_category c left join incident_category p on p.id = c.parent_id
           where c.municipality_id = $1
           order by 1, 6, 7, 8, 9, 3"#,
        m.get()
    )
    .fetch_all(db)
    .await?;
    let mut areas = Vec::new();
    let mut categories = Vec::new();
    for r in rows {
        let choice = TargetChoice {
            id: r.id,
            label: r.label,
            sub: r.sub,
            active: r.active,
        };
        if r.kind == "area" {
            areas.push(choice);
        } else {
            categories.push(choice);
        }
    }
    Ok((areas, categories))
}

/// The targets form as sent, or as stored when the page is first shown.
#[derive(Debug, Clone, Default)]
pub struct TargetsForm {
    pub areas: Vec<String>,
    pub categories: Vec<String>,
    pub effect_from: String,
    pub public: bool,
}

impl TargetsForm {
    /// The form's fields: `area` and `category` once per box ticked.
    pub fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in fields {
            match name.as_str() {
                "area" => form.areas.push(value),
                "category" => form.categories.push(value),
                "effect_from" => form.effect_from = value,
                "public" => form.public = value == "ja",
                _ => {}
            }
        }
        form
    }

    /// What is stored, as the form shows it.
    pub fn stored(
        areas: &[Uuid],
        categories: &[Uuid],
        effect_from: Option<NaiveDate>,
        public: bool,
    ) -> Self {
        Self {
            areas: areas.iter().map(Uuid::to_string).collect(),
            categories: categories.iter().map(Uuid::to_string).collect(),
            effect_from: effect_from.map(|d| d.to_string()).unwrap_or_default(),
            public,
        }
    }

    pub fn has_area(&self, id: &Uuid) -> bool {
        self.areas.iter().any(|a| a.trim() == id.to_string())
    }

    pub fn has_category(&self, id: &Uuid) -> bool {
        self.categories.iter().any(|c| c.trim() == id.to_string())
    }
}

/// Targets as they will be stored.
#[derive(Debug, PartialEq, Eq)]
pub struct Targets {
    pub areas: Vec<Uuid>,
    pub categories: Vec<Uuid>,
    pub effect_from: Option<NaiveDate>,
    pub public: bool,
}

/// Ids chosen from `offered`; anything else is an error on `field`.
fn chosen(
    e: &mut FieldErrors,
    field: &'static str,
    sent: &[String],
    offered: &[TargetChoice],
) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for value in sent {
        match Uuid::parse_str(value.trim()) {
            Ok(id) if offered.iter().any(|c| c.id == id) => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            _ => e.add(field, "Välj bland alternativen i listan."),
        }
    }
    ids
}

/// Checks the form against the municipality's areas and categories.
pub fn parse(
    form: &TargetsForm,
    areas: &[TargetChoice],
    categories: &[TargetChoice],
) -> Result<Targets, FieldErrors> {
    let mut e = FieldErrors::default();
    let area_ids = chosen(&mut e, "area", &form.areas, areas);
    let category_ids = chosen(&mut e, "category", &form.categories, categories);
    let effect_from = forms::optional_date(&mut e, "effect_from", &form.effect_from);
    let any = !area_ids.is_empty() || !category_ids.is_empty();
    if any && effect_from.is_none() && !e.has("effect_from") {
        e.add(
            "effect_from",
            "Ange från vilket datum åtgärden ska börja verka.",
        );
    }
    if !any && effect_from.is_some() && !e.has("area") && !e.has("category") {
        e.add(
            "area",
            "Välj minst ett område eller en kategori som åtgärden ska påverka, eller töm datumet.",
        );
    }
    if !e.is_empty() {
        return Err(e);
    }
    Ok(Targets {
        areas: area_ids,
        categories: category_ids,
        effect_from,
        public: form.public,
    })
}

/// `POST /planering/atgarder/{id}/effekt`.
pub async fn save(
    State(state): State<AppState>,
    PlanningEditor(user): PlanningEditor,
    IdPath(id): IdPath,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = TargetsForm::from_fields(fields);
    let current = page(&state, &user, id, FieldErrors::default(), None).await?;
    let targets = match parse(&form, &current.areas, &current.categories) {
        Ok(t) => t,
        Err(e) => {
            let page = page(&state, &user, id, e, Some(form)).await?;
            return unprocessable(page);
        }
    };
    let m = user.tenant();
    let mut change = Change::begin(&state, &user).await?;
    store(change.tx(), m, id, &targets).await?;
    let before = current.targets_json();
    change
        .done(
            Event::new(
                "ändrade",
                "åtgärd",
                format!("{}: vad åtgärden ska påverka", current.measure.title),
            )
            .on(id)
            .before(before)
            .after(json!({
                "områden": targets.areas, "kategorier": targets.categories,
                "effekt_från": targets.effect_from, "offentlig": targets.public,
            })),
            "Det åtgärden ska påverka är sparat.",
            &format!("/planering/atgarder/{id}#effekt"),
        )
        .await
}

/// Replaces the measure's targets.
async fn store(
    tx: &mut sqlx::PgConnection,
    m: MunicipalityId,
    id: Uuid,
    t: &Targets,
) -> AppResult<()> {
    let updated = sqlx::query!(
        "update measure set effect_from = $3, public = $4 where id = $1 and municipality_id = $2",
        id,
        m.get(),
        t.effect_from,
        t.public
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    sqlx::query!(
        "delete from measure_area where measure_id = $1 and municipality_id = $2",
        id,
        m.get()
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "delete from measure_category where measure_id = $1 and municipality_id = $2",
        id,
        m.get()
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into measure_area (municipality_id, measure_id, area_id) select $1, $2, unnest($3::uuid[])",
        m.get(),
        id,
        &t.areas
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into measure_category (municipality_id, measure_id, category_id) select $1, $2, unnest($3::uuid[])",
        m.get(),
        id,
        &t.categories
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(id: Uuid) -> TargetChoice {
        TargetChoice {
            id,
            label: "x".into(),
            sub: false,
            active: true,
        }
    }

    #[test]
    fn targets_need_a_date_and_a_date_needs_targets() {
        let area = Uuid::now_v7();
        let areas = [choice(area)];
        let no_date = TargetsForm {
            areas: vec![area.to_string()],
            ..TargetsForm::default()
        };
        let e = parse(&no_date, &areas, &[]).expect_err("no date");
        assert_eq!(
            e.get("effect_from"),
            Some("Ange från vilket datum åtgärden ska börja verka.")
        );
        let only_date = TargetsForm {
            effect_from: "2026-03-01".into(),
            ..TargetsForm::default()
        };
        assert!(
            parse(&only_date, &areas, &[])
                .expect_err("no targets")
                .has("area")
        );
        let foreign = TargetsForm {
            areas: vec![Uuid::now_v7().to_string()],
            effect_from: "2026-03-01".into(),
            ..TargetsForm::default()
        };
        assert!(
            parse(&foreign, &areas, &[])
                .expect_err("foreign")
                .has("area")
        );
        assert_eq!(
            parse(&TargetsForm::default(), &areas, &[]).ok(),
            Some(Targets {
                areas: vec![],
                categories: vec![],
                effect_from: None,
                public: false
            })
        );
    }
}
