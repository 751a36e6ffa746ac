//! The pages everyone in a municipality sees.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::NaiveDate;

use super::db::{self, Group, GroupSummary, Guideline, Member, MyGroup, MyPosition};
use super::model::Tier;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract::CurrentUser;
use crate::web::layout::Chrome;
use crate::web::{path::IdPath, today};

#[derive(Template, WebTemplate)]
#[template(path = "structure/home.html")]
pub struct HomePage {
    chrome: Chrome,
    name: String,
    municipality: String,
    positions: Vec<MyPosition>,
    groups: Vec<MyGroup>,
    needs: Vec<Need>,
}

/// Something on the start page that waits for the user.
pub struct Need {
    pub text: String,
    pub href: String,
}

#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn home(State(state): State<AppState>, user: CurrentUser) -> AppResult<HomePage> {
    let day = today();
    let m = user.municipality_id();
    let mut needs = Vec::new();
    if user.municipality.is_admin {
        for (id, title) in db::vacant_member_positions(&state.db, m, day).await? {
            needs.push(Need {
                text: format!("Befattningen {title} saknar innehavare."),
                href: format!("/admin/befattningar/{id}"),
            });
        }
        let guideline = db::guideline(&state.db, m).await?;
        if let Some(due) = guideline
            .review_due
            .filter(|due| (*due - day).num_days() <= 180)
        {
            needs.push(Need {
                text: format!("Riktlinjen ska aktualitetsprövas senast {due}."),
                href: "/struktur".to_owned(),
            });
        }
    }
    Ok(HomePage {
        chrome: user.chrome("start").await,
        name: user.person.name.clone(),
        municipality: user.municipality.name.clone(),
        positions: db::my_positions(&state.db, m, user.id(), day).await?,
        groups: db::my_groups(&state.db, m, user.id(), day).await?,
        needs,
    })
}

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
    let m = user.municipality_id();
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

#[derive(Template, WebTemplate)]
#[template(path = "structure/group.html")]
pub struct GroupPage {
    chrome: Chrome,
    group: Group,
    members: Vec<Member>,
    today: NaiveDate,
    is_admin: bool,
}

pub async fn group_page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<GroupPage> {
    let m = user.municipality_id();
    let day = today();
    let group = db::group(&state.db, m, id).await?;
    let members = db::members(&state.db, m, id, day).await?;
    Ok(GroupPage {
        chrome: user.chrome("struktur").await,
        group,
        members,
        today: day,
        is_admin: user.municipality.is_admin,
    })
}
