//! `/struktur`: the municipality's tiers, groups and guideline.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::db::{self, GroupSummary, Guideline};
use super::model::Tier;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract::CurrentUser;
use crate::web::layout::Chrome;
use crate::web::today;

/// One tier on the structure page.
pub struct TierBlock {
    pub tier: Tier,
    pub groups: Vec<GroupSummary>,
}

#[derive(Template, WebTemplate)]
#[template(path = "structure/structure.html")]
pub struct StructurePage {
    chrome: Chrome,
    municipality: String,
    guideline: Guideline,
    tiers: Vec<TierBlock>,
    dissolved: Vec<GroupSummary>,
}

pub async fn structure(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<StructurePage> {
    let day = today();
    let m = user.tenant();
    let (active, dissolved): (Vec<_>, Vec<_>) = db::groups(&state.db, m, day)
        .await?
        .into_iter()
        .partition(|g| g.is_active(&day) || g.active_from > day);
    let tiers = Tier::ALL
        .into_iter()
        .map(|tier| TierBlock {
            tier,
            groups: active.iter().filter(|g| g.tier == tier).cloned().collect(),
        })
        .collect();
    Ok(StructurePage {
        chrome: user.chrome("struktur").await,
        municipality: user.municipality.name.clone(),
        guideline: db::guideline(&state.db, m).await?,
        tiers,
        dissolved,
    })
}
