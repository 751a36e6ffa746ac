//! The periodic lägesbild the law asks for: a kartläggning of crime (its
//! scope, from the EST reports of the period, counted in SQL and kept as
//! they were), other relevant information (the sources of the period) and
//! the coordinator's analysis.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::PlanningAccess;
use super::PlanningEditor;
use super::model::{LagesbildForm, SourceKind};
use super::overview::invalid;
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form};
use crate::web::layout::Chrome;
use crate::web::path::IdPath;

/// The generated statistics of a period. Fields added later are empty in
/// lägesbilder compiled before them.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Statistics {
    pub incidents: i64,
    pub reported_to_police: i64,
    pub by_category: Vec<(String, i64)>,
    pub by_area: Vec<(String, i64)>,
    pub by_month: Vec<(String, i64)>,
    pub high_insecurity: i64,
    pub open_needs: i64,
    pub sources: Vec<(NaiveDate, String, String)>,
    /// Kolada's reported crimes per 100 000 inhabitants up to the period's year.
    pub kolada: Vec<crate::sources::kolada::Table>,
    /// Every source used: its name and what it gave.
    pub used: Vec<(String, String)>,
    /// Every source not used: its name and why not.
    pub not_used: Vec<(String, String)>,
}

async fn statistics(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Statistics> {
    let totals = sqlx::query!(
        r#"select count(*) as "n!", count(*) filter (where reported_to_police) as "police!",
                  count(*) filter (where insecurity >= 4) as "high!"
           from est_incident where municipality_id = $1 and occurred_on between $2 and $3 and duplicate_of is null"#,
        m.get(),
        from,
        to
    )
    .fetch_one(db)
    .await?;
    let (by_category, by_area, by_month) = incident_groups(db, m, from, to).await?;
    let open_needs = sqlx::query_scalar!(
        r#"select count(*) as "n!" from cooperation_need where municipality_id = $1 and status <> 'closed'"#,
        m.get()
    )
    .fetch_one(db)
    .await?;
    Ok(Statistics {
        incidents: totals.n,
        reported_to_police: totals.police,
        high_insecurity: totals.high,
        by_category,
        by_area,
        by_month,
        open_needs,
        sources: period_sources(db, m, from, to).await?,
        ..Statistics::default()
    })
}

/// Counted EST incidents of the period.
type Counts = Vec<(String, i64)>;

/// The period's EST incidents counted by category (its top category), by
/// area and by month.
async fn incident_groups(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<(Counts, Counts, Counts)> {
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
    Ok((by_category, by_area, by_month))
}

/// The kartläggning sources of the period: date, title and kind.
async fn period_sources(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(NaiveDate, String, String)>> {
    Ok(sqlx::query!(
        r#"select on_date, title, kind as "kind: SourceKind" from kartlaggning_source
           where municipality_id = $1 and on_date between $2 and $3 order by on_date"#,
        m.get(),
        from,
        to
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.on_date, r.title, r.kind.label().to_owned()))
    .collect())
}

/// Whether an outside source is used: what it gave, or why not.
type Use = Result<String, String>;

fn counted(n: i64, one: &str, many: &str, none: &str) -> Use {
    if n > 0 {
        Ok(crate::web::words::count(n, one, many))
    } else {
        Err(none.to_owned())
    }
}

/// Lists every source used and not used (Brå asks for both): the outside
/// sources (EST, the public's tips, the police's events, Kolada) by what
/// there is for the period, and each kind of kartläggning source by what
/// was registered.
async fn state_sources(
    db: &sqlx::PgPool,
    config: &crate::config::Config,
    m: MunicipalityId,
    (from, to): (NaiveDate, NaiveDate),
    stats: &mut Statistics,
) -> AppResult<()> {
    let n = sqlx::query!(
        r#"select (select count(*) from public_tip where municipality_id = $1 and status = 'accepted'
                     and occurred_on between $2 and $3) as "tips!",
                  (select count(*) from police_event where municipality_id = $1
                     and (occurred_at at time zone 'Europe/Stockholm')::date between $2 and $3) as "police!""#,
        m.get(),
        from,
        to
    )
    .fetch_one(db)
    .await?;
    let code = crate::sources::kolada::code_of(db, m).await?;
    if let Some(code) = &code {
        stats.kolada = crate::sources::kolada::tables(db, code, to.year(), 5).await?;
    }
    let police_names = crate::sources::police::names_of(db, m).await?;
    let police = police_use(config, &police_names, n.police);
    let outside: [(&str, Use); 4] = [
        (
            "EST-rapporterna",
            counted(
                stats.incidents,
                "rapporterad händelse",
                "rapporterade händelser",
                "inga rapporterade händelser under perioden",
            ),
        ),
        (
            "Allmänhetens tips (Allmänheten)",
            counted(
                n.tips,
                "godkänt tips",
                "godkända tips",
                "inga godkända tips under perioden",
            ),
        ),
        ("Polisens händelser (polisen.se)", police),
        (
            "Kolada",
            crate::sources::kolada::use_in_lagesbild(config, code.as_deref(), &stats.kolada),
        ),
    ];
    for (name, used) in outside {
        match used {
            Ok(what) => stats.used.push((name.to_owned(), what)),
            Err(why) => stats.not_used.push((name.to_owned(), why)),
        }
    }
    state_kartlaggning_sources(stats);
    Ok(())
}

/// The police's events: used when fetched for the municipality and there
/// are events in the period.
fn police_use(config: &crate::config::Config, names: &[String], events: i64) -> Use {
    if config.police_events_url.is_none() {
        Err("hämtningen är avstängd i den här installationen".to_owned())
    } else if names.is_empty() {
        Err("inga ortnamn angivna i EST-inställningarna".to_owned())
    } else {
        counted(
            events,
            "händelse",
            "händelser",
            "inga händelser under perioden",
        )
    }
}

/// Each kind of kartläggning source: used with the titles registered in
/// the period, or not used.
fn state_kartlaggning_sources(stats: &mut Statistics) {
    for label in SourceKind::ALL.map(SourceKind::label) {
        let titles: Vec<&str> = stats
            .sources
            .iter()
            .filter(|(_, _, kind)| kind == label)
            .map(|(_, title, _)| title.as_str())
            .collect();
        if titles.is_empty() {
            let why = "ingen registrerad under perioden".to_owned();
            stats.not_used.push((label.to_owned(), why));
        } else {
            stats.used.push((label.to_owned(), titles.join("; ")));
        }
    }
}

/// `POST /planering/lagesbild`.
pub async fn create(
    State(state): State<AppState>,
    PlanningEditor(user): PlanningEditor,
    Form(form): Form<LagesbildForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let title = forms::required_line(&mut e, "lb_title", &form.lb_title, "rubriken", 300);
    let (from, to) = period(&mut e, &form);
    let other = forms::optional_text(
        &mut e,
        "other_information",
        &form.other_information,
        "övrig information",
        20000,
    );
    let analysis = forms::optional_text(&mut e, "analysis", &form.analysis, "analysen", 20000);
    let (Some(from), Some(to), true) = (from, to, e.is_empty()) else {
        return invalid(&state, &user, form, e).await;
    };
    let mut stats = statistics(&state.db, m, from, to).await?;
    state_sources(&state.db, &state.config, m, (from, to), &mut stats).await?;
    let id = Uuid::now_v7();
    let mut change =
        Change::once(&state, &user, &form.form_token, "/planering#lagesbilder").await?;
    sqlx::query!(
        r#"insert into periodic_lagesbild (id, municipality_id, title, period_from, period_to, statistics, other_information, analysis, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        id, m.get(), title, from, to, serde_json::to_value(&stats).map_err(anyhow::Error::from)?, other, analysis, user.id()
    )
    .execute(change.tx())
    .await?;
    change
        .done(
            Event::new(
                "sammanställde",
                "lägesbild",
                format!("{title} ({from} – {to})"),
            )
            .on(id)
            .after(json!({ "händelser": stats.incidents })),
            "Lägesbilden är sammanställd.",
            &format!("/planering/lagesbild/{id}"),
        )
        .await
}

/// The period, both ends required, the end not before the start.
fn period(e: &mut FieldErrors, form: &LagesbildForm) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let from = forms::required_date(e, "period_from", &form.period_from);
    let to = forms::required_date(e, "period_to", &form.period_to);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        e.add(
            "period_to",
            "Periodens slut kan inte vara före dess början.",
        );
    }
    (from, to)
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
        user.tenant().get()
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
