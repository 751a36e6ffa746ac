//! Double submits: every creating form carries its page's one-time token,
//! and the same form posted twice stores one record and says so.

use reqwest::StatusCode;
use reqwest::multipart;
use samordna::web::idempotency::ALREADY_SENT;
use scraper::{Html, Selector};

use crate::helpers::*;

/// The rows each creating form adds to, counted in one statement.
struct Counts {
    goals: i64,
    followups: i64,
    items: i64,
    measures: i64,
    notes: i64,
    sources: i64,
    lagesbilder: i64,
    meetings: i64,
    organisations: i64,
    positions: i64,
    priorities: i64,
    holdings: i64,
    members: i64,
    categories: i64,
    areas: i64,
    need_notes: i64,
}

async fn counts(app: &TestApp) -> Counts {
    sqlx::query_as!(
        Counts,
        r#"select (select count(*) from goal) as "goals!",
                  (select count(*) from goal_followup) as "followups!",
                  (select count(*) from plan_item) as "items!",
                  (select count(*) from measure) as "measures!",
                  (select count(*) from measure_note) as "notes!",
                  (select count(*) from kartlaggning_source) as "sources!",
                  (select count(*) from periodic_lagesbild) as "lagesbilder!",
                  (select count(*) from meeting) as "meetings!",
                  (select count(*) from organisation) as "organisations!",
                  (select count(*) from position) as "positions!",
                  (select count(*) from est_priority) as "priorities!",
                  (select count(*) from position_holder) as "holdings!",
                  (select count(*) from membership) as "members!",
                  (select count(*) from incident_category) as "categories!",
                  (select count(*) from area) as "areas!",
                  (select count(*) from cooperation_note) as "need_notes!""#
    )
    .fetch_one(&app.db)
    .await
    .expect("counts")
}

/// One creating form: the page that shows it, the form, what a person
/// types into it, the rows it adds and where a repeat is sent.
struct Case {
    name: &'static str,
    page: String,
    form: String,
    typed: Vec<(&'static str, String)>,
    multipart: bool,
    rows: fn(&Counts) -> i64,
    /// How many rows one post adds.
    adds: i64,
    /// `None`: to where the first post went.
    repeat_goes_to: Option<String>,
}

impl Case {
    /// A form on `page` that posts to `action`, adds one row to `rows` and
    /// sends a repeat to `repeat_goes_to`.
    fn new(
        name: &'static str,
        [page, action, repeat_goes_to]: [&str; 3],
        rows: fn(&Counts) -> i64,
        typed: &[(&'static str, &str)],
    ) -> Case {
        Case {
            name,
            page: page.to_owned(),
            form: format!(r#"form[action="{action}"]"#),
            typed: typed.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            multipart: false,
            rows,
            adds: 1,
            repeat_goes_to: Some(repeat_goes_to.to_owned()),
        }
    }

    /// The same, posted as multipart with an attachment.
    fn multipart(
        name: &'static str,
        paths: [&str; 3],
        rows: fn(&Counts) -> i64,
        typed: &[(&'static str, &str)],
    ) -> Case {
        Case {
            multipart: true,
            ..Case::new(name, paths, rows, typed)
        }
    }
}

/// The hidden fields and ticked boxes of the form the page renders.
fn carried_fields(page: &Html, form: &str) -> Vec<(String, String)> {
    let form_selector = Selector::parse(form).expect("form selector");
    let inputs = Selector::parse("input").expect("selector");
    let form = page.select(&form_selector).next().expect(form);
    form.select(&inputs)
        .map(|input| input.value())
        .filter(|input| match input.attr("type") {
            Some("hidden") => true,
            Some("checkbox") => input.attr("checked").is_some(),
            _ => false,
        })
        .filter_map(|input| {
            Some((
                input.attr("name")?.to_owned(),
                input.attr("value")?.to_owned(),
            ))
        })
        .collect()
}

async fn post(app: &TestApp, case: &Case, fields: &[(String, String)]) -> reqwest::Response {
    let action = case
        .form
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form selector names its action");
    let request = app.client.post(app.url(action));
    let request = if case.multipart {
        let form = fields.iter().fold(multipart::Form::new(), |form, (k, v)| {
            form.text(k.clone(), v.clone())
        });
        // With an attachment, as a source is usually registered.
        let attachment =
            multipart::Part::bytes(b"Anteckningar".to_vec()).file_name("anteckningar.txt");
        request.multipart(form.part("attachment", attachment))
    } else {
        request.form(fields)
    };
    request.send().await.expect("POST")
}

/// What the cases post to: demo records, a term to plan, a newcomer to
/// the police seat and a position outside LindeBRÅ.
struct Seeds {
    goal: uuid::Uuid,
    measure: uuid::Uuid,
    police: String,
    council: uuid::Uuid,
    plan: String,
    newcomer: uuid::Uuid,
    outsider: uuid::Uuid,
    week: String,
    /// An open cooperation need on this week's lägesbild.
    need: uuid::Uuid,
}

async fn seeds(app: &TestApp) -> Seeds {
    let (goal, measure): (uuid::Uuid, uuid::Uuid) = sqlx::query!(
        r#"select (select id from goal where municipality_id = m.id order by created_at limit 1) as "goal!",
                  (select id from measure where municipality_id = m.id order by created_at limit 1) as "measure!"
           from municipality m where m.name = 'Lindesbergs kommun'"#
    )
    .fetch_one(&app.db)
    .await
    .map(|r| (r.goal, r.measure))
    .expect("a demo goal and measure");
    let police = lindesberg_position(&app.db, "Kommunpolis")
        .await
        .to_string();
    let council = lindesberg_group(&app.db, "LindeBRÅ").await;
    let plan = format!(
        "/moten/planera?grupp={council}&termin=2031-var&weekday=2&time=13:00&duration=120&count=2&form=in_person&place=Kommunhuset&meeting_link=&break_from=&break_to="
    );
    // Someone who does not hold the police seat, and a seat outside LindeBRÅ.
    let (newcomer, outsider): (uuid::Uuid, uuid::Uuid) = sqlx::query!(
        r#"select (select pm.person_id from person_municipality pm
                   where pm.municipality_id = m.id
                     and not exists (select 1 from position_holder h where h.person_id = pm.person_id and h.position_id = $1)
                   order by pm.person_id limit 1) as "newcomer!",
                  (select p.id from position p where p.municipality_id = m.id
                     and not exists (select 1 from membership ms where ms.position_id = p.id and ms.work_group_id = $2)
                   order by p.title limit 1) as "outsider!"
           from municipality m where m.name = 'Lindesbergs kommun'"#,
        uuid::Uuid::parse_str(&police).expect("police id"),
        council
    )
    .fetch_one(&app.db)
    .await
    .map(|r| (r.newcomer, r.outsider))
    .expect("a newcomer and a position outside the council");
    let week = samordna::web::today().format("%G-W%V").to_string();
    let need = db_value!(
        &app.db,
        r#"select n.id as "id!" from cooperation_need_named n join municipality m on m.id = n.municipality_id
           where m.name = 'Lindesbergs kommun' and n.status <> 'closed' and n.week_start <= current_date
           order by n.week_start desc limit 1"#
    );
    Seeds {
        need,
        goal,
        measure,
        police,
        council,
        plan,
        newcomer,
        outsider,
        week,
    }
}

async fn cases(app: &TestApp) -> Vec<Case> {
    let s = seeds(app).await;
    [
        planning_cases(&s),
        measure_cases(&s),
        follow_up_cases(&s),
        admin_cases(&s),
        setting_cases(&s),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Goals and decision material on the planning page.
fn planning_cases(s: &Seeds) -> Vec<Case> {
    let Seeds { goal, .. } = s;
    vec![
        Case::new(
            "a goal",
            ["/planering", "/planering/mal", "/planering#mal"],
            |c| c.goals,
            &[("level", "goal"), ("goal_title", "Färre inbrott i Frövi")],
        ),
        Case::new(
            "a goal's follow-up",
            [
                &format!("/planering/mal/{goal}"),
                &format!("/planering/mal/{goal}"),
                &format!("/planering/mal/{goal}"),
            ],
            |c| c.followups,
            &[
                ("on_date", "2026-11-30"),
                ("value", "71 %"),
                ("note", "Trygghetsmätningen"),
            ],
        ),
        Case::new(
            "decision material",
            ["/planering", "/planering/underlag", "/planering#underlag"],
            |c| c.items,
            &[
                ("kind", "priority_proposal"),
                ("item_title", "Otrygghet vid stationen"),
                ("body", "Många upplever stationen som otrygg på kvällarna."),
            ],
        ),
    ]
}

/// A measure and its progress.
fn measure_cases(s: &Seeds) -> Vec<Case> {
    let Seeds {
        measure, police, ..
    } = s;
    vec![
        Case::new(
            "a measure",
            ["/planering", "/planering/atgarder", "/planering#atgarder"],
            |c| c.measures,
            &[
                ("measure_title", "Belysning vid stationen"),
                ("responsible_position_id", police),
                ("starts_on", "2027-01-01"),
                ("due_on", "2027-06-30"),
            ],
        ),
        Case::new(
            "a measure's progress note",
            [
                &format!("/planering/atgarder/{measure}"),
                &format!("/planering/atgarder/{measure}"),
                &format!("/planering/atgarder/{measure}"),
            ],
            |c| c.notes,
            &[
                ("note", "Lamporna är beställda."),
                ("percent_done", "40"),
                ("status", "ongoing"),
            ],
        ),
    ]
}

/// A kartläggning source, the periodic lägesbild and a term's meetings.
fn follow_up_cases(s: &Seeds) -> Vec<Case> {
    let Seeds {
        plan, need, week, ..
    } = s;
    vec![
        Case::new(
            "a cooperation need's follow-up note",
            [
                &format!("/est/lagesbild/{week}"),
                &format!("/est/samverkan/{need}"),
                &format!("/est/lagesbild/{week}#samverkan"),
            ],
            |c| c.need_notes,
            &[
                ("status", "in_progress"),
                ("note", "Teknik och fritid röjer på torsdag."),
            ],
        ),
        Case::multipart(
            "a kartläggning source (multipart)",
            ["/planering", "/planering/kallor", "/planering#kallor"],
            |c| c.sources,
            &[
                ("source_kind", "naringsliv"),
                ("source_title", "Dialog med handlarna"),
                ("source_date", "2026-11-20"),
                ("summary", "Handlarna oroas av snatterier."),
            ],
        ),
        Case::new(
            "a periodic lägesbild",
            [
                "/planering",
                "/planering/lagesbild",
                "/planering#lagesbilder",
            ],
            |c| c.lagesbilder,
            &[
                ("lb_title", "Lägesbild hösten 2026"),
                ("period_from", "2026-07-01"),
                ("period_to", "2026-11-30"),
            ],
        ),
        Case {
            name: "a term's meetings",
            page: plan.clone(),
            form: r#"form[method="post"][action="/moten/planera"]"#.into(),
            typed: Vec::new(),
            multipart: false,
            rows: |c| c.meetings,
            adds: 2,
            // The month of the first new meeting, as after the first save.
            repeat_goes_to: None,
        },
    ]
}

/// Organisations, positions and holders; an EST priority.
fn admin_cases(s: &Seeds) -> Vec<Case> {
    let Seeds {
        police,
        newcomer,
        week,
        ..
    } = s;
    vec![
        Case::new(
            "an organisation",
            [
                "/admin/organisationer",
                "/admin/organisationer",
                "/admin/organisationer",
            ],
            |c| c.organisations,
            &[("name", "Linde Handel AB"), ("kind", "foretag")],
        ),
        Case::new(
            "a position",
            [
                "/admin/befattningar",
                "/admin/befattningar",
                "/admin/befattningar",
            ],
            |c| c.positions,
            &[("title", "Trygghetsvärd")],
        ),
        Case::new(
            "an EST priority",
            [
                &format!("/est/lagesbild/{week}"),
                &format!("/est/lagesbild/{week}/prioritet"),
                &format!("/est/lagesbild/{week}#prioriteringar"),
            ],
            |c| c.priorities,
            &[("kind", "hot_spot"), ("text", "Stationsområdet kvällstid")],
        ),
        Case::new(
            "a position's new holder",
            [
                &format!("/admin/befattningar/{police}"),
                &format!("/admin/befattningar/{police}/innehavare"),
                &format!("/admin/befattningar/{police}"),
            ],
            |c| c.holdings,
            &[
                ("person_id", &newcomer.to_string()),
                ("held_from", "2031-01-01"),
            ],
        ),
    ]
}

/// Group members and the EST settings' lists.
fn setting_cases(s: &Seeds) -> Vec<Case> {
    let Seeds {
        council, outsider, ..
    } = s;
    vec![
        Case::new(
            "a group member",
            [
                &format!("/admin/grupper/{council}"),
                &format!("/admin/grupper/{council}/medlemmar"),
                &format!("/admin/grupper/{council}"),
            ],
            |c| c.members,
            &[("position_id", &outsider.to_string()), ("role", "member")],
        ),
        Case::new(
            "an EST category",
            [
                "/est/installningar",
                "/est/installningar/kategori",
                "/est/installningar#kategorier",
            ],
            |c| c.categories,
            &[("name", "Klotter på skolor")],
        ),
        Case::new(
            "an EST area",
            [
                "/est/installningar",
                "/est/installningar/omrade",
                "/est/installningar#omraden",
            ],
            |c| c.areas,
            &[("area_name", "Stråssa industriområde")],
        ),
    ]
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn every_creating_form_posted_twice_stores_once_and_says_it_was_already_sent(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    for case in cases(&app).await {
        let name = case.name;
        let page = app.get_html(&case.page).await;
        let mut fields = carried_fields(&page, &case.form);
        assert!(
            fields
                .iter()
                .any(|(k, v)| k == "form_token" && uuid::Uuid::parse_str(v).is_ok()),
            "{name}: the form on {} carries a one-time token: {fields:?}",
            case.page
        );
        fields.extend(case.typed.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let before = (case.rows)(&counts(&app).await);

        let first = post(&app, &case, &fields).await;
        assert_eq!(first.status(), StatusCode::SEE_OTHER, "{name}: first post");
        let went_to = first.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        // Read the first post's own flash before the repeat.
        app.get(&went_to).await;
        let second = post(&app, &case, &fields).await;

        assert_eq!(
            (case.rows)(&counts(&app).await),
            before + case.adds,
            "{name}: stored once"
        );
        let repeat_goes_to = case.repeat_goes_to.unwrap_or(went_to);
        assert_redirect_to(&second, &repeat_goes_to);
        let shown = app.get_html(&repeat_goes_to).await;
        assert_eq!(texts(&shown, ".flash"), [ALREADY_SENT], "{name}");
    }
}

/// The form `form` of `page` as a person sends it: its hidden fields (the
/// one-time token among them), each replaced or added to by `typed`.
pub async fn filled_form(
    app: &TestApp,
    page: &str,
    form: &str,
    typed: &[(&str, &str)],
) -> (String, Vec<(String, String)>) {
    let html = app.get_html(page).await;
    let mut fields = carried_fields(&html, form);
    assert!(
        fields
            .iter()
            .any(|(k, v)| k == "form_token" && uuid::Uuid::parse_str(v).is_ok()),
        "the form {form} on {page} carries a one-time token: {fields:?}"
    );
    for (name, value) in typed {
        fields.retain(|(k, _)| k != name);
        fields.push(((*name).to_owned(), (*value).to_owned()));
    }
    let selector = Selector::parse(form).expect("form selector");
    let action = html
        .select(&selector)
        .next()
        .and_then(|f| f.value().attr("action"))
        .expect("the form has an action")
        .to_owned();
    (action, fields)
}

/// Posts a form's fields as read by [`filled_form`].
pub async fn post_fields(
    app: &TestApp,
    action: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    app.post(action, &pairs).await
}

/// Sends the same form twice, as a double click or a resend after a 502
/// from the load balancer would, the first answer's page seen in between.
/// Returns both answers.
pub async fn post_form_twice(
    app: &TestApp,
    page: &str,
    form: &str,
    typed: &[(&str, &str)],
) -> (reqwest::Response, reqwest::Response) {
    let (action, fields) = filled_form(app, page, form, typed).await;
    let first = post_fields(app, &action, &fields).await;
    if let Some(to) = first.headers().get("location") {
        app.get(to.to_str().expect("location")).await;
    }
    let second = post_fields(app, &action, &fields).await;
    (first, second)
}

/// The mails of `kind` the outbox holds, sent or not, and to how many
/// addresses: the two are equal when nobody got the mail twice.
pub async fn outbox_rows(db: &sqlx::PgPool, kind: &str) -> (i64, i64) {
    let r = db_row!(
        db,
        r#"select count(*) as "rows!", count(distinct recipient_email) as "recipients!"
           from outbox where kind = $1"#,
        kind
    );
    (r.rows, r.recipients)
}

/// The flash on the page a redirect leads to.
pub async fn flash_after(app: &TestApp, response: &reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a redirect");
    let to = response.headers()["location"].to_str().expect("location");
    texts(&app.get_html(to).await, ".flash")
}

/// A form that removes or closes something: what it does, its page, the
/// form's selector, what is typed into it and the action its audit row names.
type Closing<'a> = (&'a str, String, String, Vec<(&'a str, &'a str)>, &'a str);

/// A form that removes, closes or edits something, sent twice (a double
/// click, a resend after a 502): the repeat is told that the form was
/// already sent, not "Sidan finns inte" or an error about what the first
/// post did, and one audit row says what was done.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn every_removing_or_closing_form_posted_twice_acts_once_and_says_it_was_already_sent(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let est = lindesberg_group(&app.db, "EST").await;
    let temporary = lindesberg_group(&app.db, "Arbetsgrupp trygg stationsmiljö").await;
    let held = lindesberg_position(&app.db, "EST-representant Securitas").await;
    let agreement: uuid::Uuid = db_value!(
        &app.db,
        "select a.id from agreement a join organisation o on o.id = a.counterpart_id where o.name = 'Securitas'"
    );
    let today = samordna::web::today().to_string();
    let cases: Vec<Closing> = vec![
        (
            "a member removed",
            format!("/admin/grupper/{est}"),
            format!(r#"form[action^="/admin/grupper/{est}/medlemmar/"][action$="/ta-bort"]"#),
            vec![],
            "tog bort medlem",
        ),
        (
            "a group edited",
            format!("/admin/grupper/{est}"),
            format!(r#"form[action="/admin/grupper/{est}"]"#),
            vec![
                ("name", "EST"),
                ("task", "Veckovis lägesbild och samordning av insatser."),
            ],
            "ändrade",
        ),
        (
            "a group dissolved",
            format!("/admin/grupper/{temporary}"),
            r#"form[action$="/upplos"]"#.to_owned(),
            vec![("active_to", &today), ("reason", "Uppdraget är slutfört.")],
            "upplöste",
        ),
        (
            "a holding ended",
            format!("/admin/befattningar/{held}"),
            r#"form[action$="/avsluta"]"#.to_owned(),
            vec![("held_to", &today)],
            "avslutade innehav",
        ),
        (
            "an agreement terminated",
            format!("/avtal/{agreement}"),
            r#"form[action$="/avsluta"]"#.to_owned(),
            vec![
                ("terminated_on", &today),
                ("reason", "Securitas har sagt upp avtalet."),
            ],
            "avslutade",
        ),
    ];
    for (name, page, form, typed, action) in cases {
        let before = audit_rows(&app.db, action).await;
        let (first, second) = post_form_twice(&app, &page, &form, &typed).await;
        assert_eq!(first.status(), StatusCode::SEE_OTHER, "{name}: first post");
        assert_eq!(flash_after(&app, &second).await, [ALREADY_SENT], "{name}");
        assert_eq!(
            audit_rows(&app.db, action).await,
            before + 1,
            "{name}: done once"
        );
    }
}

/// Audit rows of one action, in every municipality.
pub async fn audit_rows(db: &sqlx::PgPool, action: &str) -> i64 {
    db_value!(
        db,
        r#"select count(*) as "n!" from audit_event where action = $1"#,
        action
    )
}

/// A toggle in the EST settings clicked twice stays switched: the repeat is
/// told the form was sent instead of switching it back.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_toggle_clicked_twice_switches_once(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    let area: uuid::Uuid = db_value!(
        &app.db,
        "select id from area where municipality_id = $1 and name = 'Frövi'",
        m
    );
    let category: uuid::Uuid = db_value!(
        &app.db,
        "select id from incident_category where municipality_id = $1 and name = 'Klotter'",
        m
    );
    let switches = async || {
        let r = db_row!(
            &app.db,
            r#"select (select active from area where id = $1) as "area!",
                      (select active from incident_category where id = $2) as "category!",
                      (select public_tip from incident_category where id = $2) as "public!""#,
            area,
            category
        );
        (r.area, r.category, r.public)
    };
    let before = switches().await;
    for (kind, id) in [
        ("omrade", area),
        ("kategori", category),
        ("tipskategori", category),
    ] {
        let (first, second) = post_form_twice(
            &app,
            "/est/installningar",
            &format!(r#"form[action="/est/installningar/{kind}/{id}/vaxla"]"#),
            &[],
        )
        .await;
        assert_eq!(first.status(), StatusCode::SEE_OTHER, "{kind}");
        assert_eq!(flash_after(&app, &second).await, [ALREADY_SENT], "{kind}");
    }
    assert_eq!(
        switches().await,
        (!before.0, !before.1, !before.2),
        "each switched once"
    );
}
