//! The pages everyone in a municipality sees.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{Days, NaiveDate, Utc};

use super::db::{self, Group, GroupSummary, Guideline, Member, MyGroup, MyPosition};
use super::model::Tier;
use crate::error::AppResult;
use crate::meetings::access::Access;
use crate::meetings::calendar::Term;
use crate::meetings::db as meetings_db;
use crate::meetings::schedule::day_start;
use crate::meetings::{cadence, feeds};
use crate::page_cache;
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
    /// May open /oversikt (linked when nothing waits).
    dashboard: bool,
    meetings: Vec<meetings_db::Meeting>,
    measures: Vec<MyMeasure>,
}

/// A measure the signed-in person is responsible for.
pub struct MyMeasure {
    pub id: uuid::Uuid,
    pub title: String,
    pub due_on: NaiveDate,
    pub percent_done: i32,
    pub state: &'static str,
}

/// Something on the start page that waits for the user, and when it is
/// due (the list is sorted soonest first; undated things last).
pub struct Need {
    pub text: String,
    pub href: String,
    pub due: Option<NaiveDate>,
}

/// `GET /`: one statement (see [`db::start_page`]).
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn home(State(state): State<AppState>, user: CurrentUser) -> AppResult<HomePage> {
    let day = today();
    let now = page_cache::minute(Utc::now());
    let w = &user.municipality;
    let key = format!(
        "{}:{day}:{now}:{}:{}:{}:{}",
        user.id(),
        w.is_admin,
        w.oversight,
        w.steering,
        w.council
    );
    let page = state
        .pages
        .get_or_load(user.municipality_id(), key, || {
            db::start_page(&state.db, &user, day, now)
        })
        .await?;
    let page = db::StartPage::clone(&page);
    let needs = needs(&page, user.municipality.is_admin, day);
    let dashboard = crate::web::layout::Sections::of(&user.municipality).dashboard;
    Ok(HomePage {
        meetings: page.meetings,
        measures: page
            .measures
            .into_iter()
            .map(|r| MyMeasure {
                state: crate::planning::measures::state_label(&r.status, r.due_on, day),
                id: r.id,
                title: r.title,
                due_on: r.due_on,
                percent_done: r.percent_done,
            })
            .collect(),
        chrome: user.chrome("start").await,
        name: user.person.name.clone(),
        municipality: user.municipality.name.clone(),
        positions: page.positions,
        groups: page.groups,
        needs,
        dashboard,
    })
}

/// What waits for this person, soonest first. Everyone: agreements to
/// sign, their organisation's EST report not yet filed, their own late
/// measures. Those who run the work (coordinator, kommunpolis,
/// administrators) and those who oversee it (Styrgrupp, beredningsgrupp):
/// late measures, agreements waiting for signatures or ending soon, groups
/// with no meeting planned; the first also the organisations that have not
/// reported before the EST lock. Administrators: vacant positions and the
/// guideline's review.
fn needs(page: &db::StartPage, is_admin: bool, day: NaiveDate) -> Vec<Need> {
    use crate::web::words::count;
    let mut needs = Vec::new();
    if is_admin {
        for (id, title) in page.vacant.iter().flatten() {
            needs.push(Need {
                text: format!("Befattningen {title} saknar innehavare."),
                href: format!("/admin/befattningar/{id}"),
                due: None,
            });
        }
        if let Some(due) = page.review_due.filter(|due| (*due - day).num_days() <= 180) {
            needs.push(Need {
                text: format!("Riktlinjen ska aktualitetsprövas senast {due}."),
                href: "/struktur".to_owned(),
                due: Some(due),
            });
        }
    }
    // An agreement the person signs is named once, as theirs to sign, with
    // whoever else it waits for (not again as one waiting for signatures).
    for a in &page.to_sign {
        needs.push(Need {
            text: match &a.others {
                Some(others) => format!(
                    "Avtalet {} väntar på din signatur och på {others}.",
                    a.title
                ),
                None => format!("Avtalet {} väntar på din signatur.", a.title),
            },
            href: format!("/avtal/{}", a.id),
            due: Some(day),
        });
    }
    let week = page.report_week;
    // An organisation the person reports for is named once, in its own line
    // (not again among those that have not reported).
    for org in page.reports.iter().filter(|o| !o.filed) {
        needs.push(Need {
            text: format!(
                "EST-rapporten för {} ({}) är inte lämnad.",
                org.name,
                week.label()
            ),
            href: format!("/est/rapport?vecka={}&org={}", week.key(), org.id),
            due: Some(week.monday + chrono::Days::new(6)),
        });
    }
    for ms in page
        .measures
        .iter()
        .filter(|ms| ms.status != "done" && ms.due_on < day)
    {
        needs.push(Need {
            text: format!("Din åtgärd {} skulle vara klar {}.", ms.title, ms.due_on),
            href: format!("/planering/atgarder/{}", ms.id),
            due: Some(ms.due_on),
        });
    }
    let unreported: Vec<&db::Signal> = page
        .signals
        .iter()
        .filter(|s| s.kind == "unreported" && !page.reports.iter().any(|o| o.id == s.id))
        .collect();
    if let Some(first) = unreported.first() {
        let names: Vec<&str> = unreported.iter().map(|s| s.name.as_str()).collect();
        let names = match names.as_slice() {
            [one] => (*one).to_owned(),
            [rest @ .., last] => format!("{} och {last}", rest.join(", ")),
            [] => String::new(),
        };
        let lock = first.detail.as_ref().map_or_else(
            || format!("veckan slutar {}", first.due),
            |at| format!("låses {at}"),
        );
        needs.push(Need {
            text: format!(
                "{} inte rapporterat till EST för {} ({lock}): {names}.",
                count(unreported.len(), "organisation har", "organisationer har"),
                week.label()
            ),
            href: "/est".to_owned(),
            due: Some(first.due),
        });
    }
    for s in page.signals.iter().filter(|s| s.kind != "unreported") {
        let (text, href) = match s.kind.as_str() {
            "measure" if page.measures.iter().any(|m| m.id == s.id) => continue,
            "measure" => (
                format!("Åtgärden {} skulle vara klar {}.", s.name, s.due),
                format!("/planering/atgarder/{}", s.id),
            ),
            "unsigned" if page.to_sign.iter().any(|a| a.id == s.id) => continue,
            "unsigned" => (
                match &s.detail {
                    Some(who) => format!("Avtalet {} väntar på signatur av {who}.", s.name),
                    None => format!("Avtalet {} väntar på signaturer.", s.name),
                },
                format!("/avtal/{}", s.id),
            ),
            "expiring" => (
                format!(
                    "Avtalet {}{} går ut {}.",
                    s.name,
                    s.detail
                        .as_ref()
                        .map(|c| format!(" med {c}"))
                        .unwrap_or_default(),
                    s.due
                ),
                format!("/avtal/{}", s.id),
            ),
            "no_meeting" => (
                format!("{} har inget möte planerat.", s.name),
                format!("/grupper/{}", s.id),
            ),
            _ => continue,
        };
        needs.push(Need {
            text,
            href,
            due: Some(s.due),
        });
    }
    // Soonest first; undated (vacant positions) last.
    needs.sort_by_key(|n| (n.due.is_none(), n.due));
    needs
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

/// A term's cadence compliance line on the group page.
pub struct ComplianceLine {
    pub text: String,
    pub on_track: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "structure/group.html")]
pub struct GroupPage {
    chrome: Chrome,
    group: Group,
    members: Vec<Member>,
    today: NaiveDate,
    is_admin: bool,
    cadence: String,
    compliance: Vec<ComplianceLine>,
    meetings: Vec<crate::meetings::db::Meeting>,
    feed_url: Option<String>,
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
        let token = feeds::group_token(&state.db, id).await?;
        let base = state.config.public_url.trim_end_matches('/');
        (upcoming, Some(format!("{base}/kalender/grupp/{token}.ics")))
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
