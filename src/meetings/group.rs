//! `/grupper/{id}`: a group's members, cadence, compliance, coming
//! meetings and calendar feed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{Days, NaiveDate};

use super::calendar::Term;
use super::{cadence, db as meetings_db, feeds};
use crate::error::AppResult;
use crate::state::AppState;
use crate::structure::db::{self, Group, Member};
use crate::web::extract::CurrentUser;
use crate::web::layout::Chrome;
use crate::web::seats::Access;
use crate::web::{day_start, path::IdPath, today};

/// A term's cadence compliance line on the group page.
pub struct ComplianceLine {
    pub text: String,
    pub on_track: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings/group.html")]
pub struct GroupPage {
    chrome: Chrome,
    group: Group,
    members: Vec<Member>,
    today: NaiveDate,
    is_admin: bool,
    cadence: String,
    compliance: Vec<ComplianceLine>,
    meetings: Vec<meetings_db::Meeting>,
    /// The group's calendar address and the day it was made.
    feed_url: Option<(String, NaiveDate)>,
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<GroupPage> {
    let m = user.tenant();
    let day = today();
    let group = db::group(&state.db, m, id).await?;
    let members = db::members(&state.db, m, id, day).await?;
    let access = Access::load(&state.db, &user).await?;
    let this_term = Term::containing(day);
    let previous_term = Term::containing(this_term.first_day() - Days::new(1));
    let mut compliance = Vec::new();
    for term in [previous_term, this_term] {
        let c = cadence::compliance(&state.db, m, id, term).await?;
        if c.inactive {
            continue;
        }
        compliance.push(ComplianceLine {
            text: c.summary(&group.name),
            on_track: c.on_track(),
        });
    }
    let (meetings, feed_url) = if access.can_see(id) {
        let from = day_start(day);
        let upcoming = meetings_db::meetings_between(
            &state.db,
            m,
            from,
            from + chrono::TimeDelta::days(120),
            Some(&[id]),
        )
        .await?;
        let (token, since) = feeds::group_token(&state.db, id).await?;
        let base = state.config.public_url.trim_end_matches('/');
        let url = format!("{base}/kalender/grupp/{token}.ics");
        (upcoming, Some((url, since)))
    } else {
        (Vec::new(), None)
    };
    Ok(GroupPage {
        chrome: user.chrome("struktur").await,
        cadence: cadence::load(&state.db, m, id).await?.describe(),
        compliance,
        meetings,
        feed_url,
        group,
        members,
        today: day,
        is_admin: user.municipality.is_admin,
    })
}
