//! The authorisation matrix: every route and method against every role,
//! with the expected answer. Routes are read from the source, so a new
//! route without a row here fails the test. Every POST is also sent as a
//! forged cross-site request, which must be refused.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use crate::helpers::*;

/// Roles, in the order of the matrix columns.
const ROLES: [&str; 7] = [
    "coordinator",
    "kommunpolis",
    "styrgrupp",
    "signatory",
    "est",
    "other municipality",
    "anonymous",
];

/// What a role gets: `ok` (served, or the form was read and validated),
/// `login` (sent to sign in), or a refusal: `403`, `404`, `400`.
fn category(status: StatusCode, location: Option<&str>) -> String {
    match status.as_u16() {
        303 if location.is_some_and(|l| l.starts_with("/login")) => "login".into(),
        200..=399 | 401 | 422 | 429 => "ok".into(),
        other => other.to_string(),
    }
}

/// (method, route as in the source, concrete path, answers per role).
type Row = (&'static str, &'static str, String, [&'static str; 7]);

fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let method = regex::Regex::new(r"\b(get|post)\(").expect("regex");
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(
                std::fs::read_dir(&path)
                    .expect("dir")
                    .map(|e| e.expect("entry").path()),
            );
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("source");
        for (start, _) in source.match_indices(".route(") {
            // The call's text up to its closing parenthesis.
            let rest = &source[start + ".route(".len()..];
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(rest.len(), |(i, _)| i);
            let call = &rest[..end];
            let Some(route) = call.split('"').nth(1) else {
                continue;
            };
            for m in method.captures_iter(call) {
                found.insert((m[1].to_uppercase(), route.to_owned()));
            }
        }
    }
    found
}

struct Ids {
    group: uuid::Uuid,
    meeting: uuid::Uuid,
    position: uuid::Uuid,
    agreement: uuid::Uuid,
    signature: uuid::Uuid,
    incident: uuid::Uuid,
    need: uuid::Uuid,
    area: uuid::Uuid,
    week: String,
    goal: uuid::Uuid,
    item: uuid::Uuid,
    measure: uuid::Uuid,
    source: uuid::Uuid,
    lagesbild: uuid::Uuid,
    promise: uuid::Uuid,
    municipality: uuid::Uuid,
}

async fn ids(db: &sqlx::PgPool) -> Ids {
    let one = |sql: &'static str| async move {
        sqlx::query_scalar::<_, uuid::Uuid>(sql)
            .fetch_one(db)
            .await
            .expect(sql)
    };
    Ids {
        group: lindesberg_group(db, "EST").await,
        meeting: one("select m.id from meeting m join work_group g on g.id = m.work_group_id where g.name = 'LindeBRÅ' and m.starts_at > now() and m.status = 'planned' order by m.starts_at limit 1").await,
        position: lindesberg_position(db, "Kommunpolis").await,
        agreement: one("select a.id from agreement a join organisation o on o.id = a.counterpart_id where o.name = 'Securitas'").await,
        signature: one("select s.id from agreement_signature s join agreement a on a.id = s.agreement_id join organisation o on o.id = a.counterpart_id where o.name = 'Securitas' limit 1").await,
        incident: one("select id from est_incident limit 1").await,
        need: one("select id from cooperation_need limit 1").await,
        area: one("select a.id from area a join municipality m on m.id = a.municipality_id where m.slug = 'lindesberg' and a.name = 'Ramsberg'").await,
        week: week_key(0),
        goal: one("select id from goal where level = 'goal'").await,
        item: one("select id from plan_item where kind = 'action_plan'").await,
        measure: one("select ms.id from measure ms join position p on p.id = ms.responsible_position_id where p.title = 'Kommunpolis'").await,
        source: one("select id from kartlaggning_source limit 1").await,
        promise: one("select id from citizen_promise limit 1").await,
        municipality: municipality_id(db, "Lindesbergs kommun").await,
        lagesbild: one(
            "insert into periodic_lagesbild (id, municipality_id, title, period_from, period_to, statistics)
             select gen_random_uuid(), id, 'Test', current_date - 30, current_date, '{}' from municipality where slug = 'lindesberg'
             returning id",
        )
        .await,
    }
}

// Columns: coordinator, kommunpolis, styrgrupp, signatory, est, other municipality, anonymous.
const ADMIN: [&str; 7] = ["ok", "403", "403", "403", "403", "ok", "login"];
const ADMIN_HERE: [&str; 7] = ["ok", "403", "403", "403", "403", "404", "login"];
const SIGNED_IN: [&str; 7] = ["ok", "ok", "ok", "ok", "ok", "ok", "login"];
const EVERYONE: [&str; 7] = ["ok"; 7];
// A tip that does not exist (here or anywhere): moderators get 404.
const TIP_MODERATE: [&str; 7] = ["404", "403", "403", "403", "403", "404", "login"];
const SCHEDULE: [&str; 7] = ["ok", "403", "404", "404", "404", "404", "login"];
const EST_READ: [&str; 7] = ["ok", "ok", "403", "403", "ok", "ok", "login"];
const EST_FILE: [&str; 7] = ["403", "ok", "403", "403", "ok", "403", "login"];
const AGREEMENT: [&str; 7] = ["ok", "ok", "ok", "ok", "ok", "404", "login"];
const PLAN_READ: [&str; 7] = ["ok", "ok", "ok", "ok", "403", "ok", "login"];
const PLAN_READ_HERE: [&str; 7] = ["ok", "ok", "ok", "ok", "403", "404", "login"];
const PLAN_EDIT: [&str; 7] = ["ok", "ok", "403", "403", "403", "ok", "login"];
const PLAN_EDIT_HERE: [&str; 7] = ["ok", "ok", "403", "403", "403", "404", "login"];

/// Every route with what each kind of user gets, feature by feature.
fn matrix(i: &Ids) -> Vec<Row> {
    [
        account_rows(i),
        operator_rows(i),
        structure_rows(i),
        admin_rows_1(i),
        admin_rows_2(i),
        meeting_rows_1(i),
        meeting_rows_2(i),
        est_rows_1(i),
        est_rows_2(i),
        est_rows_3(i),
        agreement_rows_1(i),
        agreement_rows_2(i),
        planning_rows_1(i),
        planning_rows_2(i),
        promise_rows(i),
        tip_rows_1(i),
        tip_rows_2(i),
        dashboard_rows(i),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn account_rows(_: &Ids) -> Vec<Row> {
    vec![
        ("GET", "/login", "/login".into(), EVERYONE),
        ("POST", "/login", "/login".into(), EVERYONE),
        ("GET", "/valj-kommun", "/valj-kommun".into(), SIGNED_IN),
        (
            "POST",
            "/valj-kommun",
            "/valj-kommun".into(),
            ["403", "403", "403", "403", "403", "403", "login"],
        ),
        ("GET", "/konto", "/konto".into(), SIGNED_IN),
        (
            "POST",
            "/konto/losenord",
            "/konto/losenord".into(),
            SIGNED_IN,
        ),
        (
            "POST",
            "/konto/kalender",
            "/konto/kalender".into(),
            SIGNED_IN,
        ),
        ("GET", "/health", "/health".into(), EVERYONE),
        ("GET", "/tillganglighet", "/tillganglighet".into(), EVERYONE),
        (
            "GET",
            "/assets/{hash}/{name}",
            samordna::web::assets::url("app.css"),
            EVERYONE,
        ),
        ("GET", "/", "/".into(), SIGNED_IN),
    ]
}

fn structure_rows(i: &Ids) -> Vec<Row> {
    let g = i.group;
    vec![
        ("GET", "/struktur", "/struktur".into(), SIGNED_IN),
        (
            "GET",
            "/grupper/{id}",
            format!("/grupper/{g}"),
            ["ok", "ok", "ok", "ok", "ok", "404", "login"],
        ),
        (
            "GET",
            "/grupper/{id}/motesrytm",
            format!("/grupper/{g}/motesrytm"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/grupper/{id}/motesrytm",
            format!("/grupper/{g}/motesrytm"),
            ADMIN_HERE,
        ),
    ]
}

fn admin_rows_1(i: &Ids) -> Vec<Row> {
    let p = i.position;
    vec![
        ("GET", "/admin", "/admin".into(), ADMIN),
        // The first 30 minutes' checklist: only the coordinator ticks a step.
        (
            "POST",
            "/kom-igang/{step}",
            "/kom-igang/areas".into(),
            ADMIN,
        ),
        ("GET", "/admin/logg", "/admin/logg".into(), ADMIN),
        ("GET", "/admin/mall.json", "/admin/mall.json".into(), ADMIN),
        ("GET", "/admin/personer", "/admin/personer".into(), ADMIN),
        ("POST", "/admin/personer", "/admin/personer".into(), ADMIN),
        (
            "GET",
            "/admin/organisationer",
            "/admin/organisationer".into(),
            ADMIN,
        ),
        (
            "POST",
            "/admin/organisationer",
            "/admin/organisationer".into(),
            ADMIN,
        ),
        (
            "GET",
            "/admin/befattningar",
            "/admin/befattningar".into(),
            ADMIN,
        ),
        (
            "POST",
            "/admin/befattningar",
            "/admin/befattningar".into(),
            ADMIN,
        ),
        (
            "GET",
            "/admin/befattningar/{id}",
            format!("/admin/befattningar/{p}"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/admin/befattningar/{id}/innehavare",
            format!("/admin/befattningar/{p}/innehavare"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/admin/befattningar/{id}/avsluta",
            format!("/admin/befattningar/{p}/avsluta"),
            ADMIN_HERE,
        ),
        ("GET", "/admin/grupper", "/admin/grupper".into(), ADMIN),
        ("POST", "/admin/grupper", "/admin/grupper".into(), ADMIN),
    ]
}

fn admin_rows_2(i: &Ids) -> Vec<Row> {
    let random = uuid::Uuid::nil();
    let g = i.group;
    vec![
        (
            "GET",
            "/admin/grupper/{id}",
            format!("/admin/grupper/{g}"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/admin/grupper/{id}",
            format!("/admin/grupper/{g}"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/admin/grupper/{id}/medlemmar",
            format!("/admin/grupper/{g}/medlemmar"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/admin/grupper/{id}/medlemmar/{sub}/ta-bort",
            format!("/admin/grupper/{g}/medlemmar/{random}/ta-bort"),
            ["404", "403", "403", "403", "403", "404", "login"],
        ),
        (
            "POST",
            "/admin/grupper/{id}/upplos",
            format!("/admin/grupper/{g}/upplos"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/admin/grupper/{id}/kalender",
            format!("/admin/grupper/{g}/kalender"),
            ADMIN_HERE,
        ),
    ]
}

fn meeting_rows_1(i: &Ids) -> Vec<Row> {
    let mt = i.meeting;
    vec![
        ("GET", "/moten", "/moten".into(), SIGNED_IN),
        ("GET", "/moten/ny", "/moten/ny".into(), ADMIN),
        ("POST", "/moten/ny", "/moten/ny".into(), ADMIN),
        ("GET", "/moten/planera", "/moten/planera".into(), ADMIN),
        ("POST", "/moten/planera", "/moten/planera".into(), ADMIN),
        (
            "GET",
            "/moten/{id}",
            format!("/moten/{mt}"),
            ["ok", "ok", "404", "404", "404", "404", "login"],
        ),
        ("POST", "/moten/{id}", format!("/moten/{mt}"), SCHEDULE),
        (
            "POST",
            "/moten/{id}/stall-in",
            format!("/moten/{mt}/stall-in"),
            SCHEDULE,
        ),
        (
            "POST",
            "/moten/{id}/protokoll",
            format!("/moten/{mt}/protokoll"),
            SCHEDULE,
        ),
        (
            "POST",
            "/moten/{id}/beslut",
            format!("/moten/{mt}/beslut"),
            SCHEDULE,
        ),
        (
            "GET",
            "/moten/{id}/justera",
            format!("/moten/{mt}/justera"),
            SCHEDULE,
        ),
        (
            "POST",
            "/moten/{id}/justera",
            format!("/moten/{mt}/justera"),
            SCHEDULE,
        ),
        (
            "POST",
            "/moten/{id}/forhinder",
            format!("/moten/{mt}/forhinder"),
            ["403", "403", "404", "404", "404", "404", "login"],
        ),
    ]
}

fn meeting_rows_2(i: &Ids) -> Vec<Row> {
    let mt = i.meeting;
    vec![
        (
            "GET",
            "/moten/{id}/kalender.ics",
            format!("/moten/{mt}/kalender.ics"),
            ["ok", "ok", "404", "404", "404", "404", "login"],
        ),
        (
            "POST",
            "/moten/{id}/kallelse",
            format!("/moten/{mt}/kallelse"),
            SCHEDULE,
        ),
        (
            "GET",
            "/kalender/{file}",
            "/kalender/okand.ics".into(),
            ["404"; 7],
        ),
        (
            "GET",
            "/kalender/grupp/{file}",
            "/kalender/grupp/okand.ics".into(),
            ["404"; 7],
        ),
    ]
}

fn est_rows_1(_: &Ids) -> Vec<Row> {
    let random = uuid::Uuid::nil();
    vec![
        ("GET", "/est", "/est".into(), EST_READ),
        ("GET", "/est/handelser", "/est/handelser".into(), EST_READ),
        (
            "GET",
            "/est/handelser.csv",
            "/est/handelser.csv".into(),
            EST_READ,
        ),
        (
            "GET",
            "/est/handelser.geojson",
            "/est/handelser.geojson".into(),
            ["ok", "ok", "403", "403", "403", "ok", "login"],
        ),
        ("GET", "/est/rapport", "/est/rapport".into(), EST_FILE),
        (
            "POST",
            "/est/rapport/handelse",
            "/est/rapport/handelse".into(),
            EST_FILE,
        ),
        (
            "POST",
            "/est/rapport/kommande",
            "/est/rapport/kommande".into(),
            EST_FILE,
        ),
        (
            "POST",
            "/est/rapport/samverkan",
            "/est/rapport/samverkan".into(),
            EST_FILE,
        ),
        (
            "POST",
            "/est/rapport/inget",
            "/est/rapport/inget".into(),
            EST_FILE,
        ),
        (
            "POST",
            "/est/rapport/{kind}/{id}/ta-bort",
            format!("/est/rapport/handelse/{random}/ta-bort"),
            ["403", "404", "403", "403", "404", "403", "login"],
        ),
    ]
}

fn est_rows_2(i: &Ids) -> Vec<Row> {
    let random = uuid::Uuid::nil();
    let w = &i.week;
    vec![
        (
            "POST",
            "/est/rapport/{kind}/{id}/angra",
            format!("/est/rapport/handelse/{random}/angra"),
            ["403", "404", "403", "403", "404", "403", "login"],
        ),
        (
            "POST",
            "/est/las-upp",
            "/est/las-upp".into(),
            ["400", "403", "403", "403", "403", "400", "login"],
        ),
        (
            "POST",
            "/est/paminnelse",
            "/est/paminnelse".into(),
            ["400", "403", "403", "403", "403", "400", "login"],
        ),
        (
            "GET",
            "/est/lagesbild/{week}",
            format!("/est/lagesbild/{w}"),
            EST_READ,
        ),
        (
            "POST",
            "/est/lagesbild/{week}/prioritet",
            format!("/est/lagesbild/{w}/prioritet"),
            ADMIN,
        ),
        (
            "POST",
            "/est/prioritet/{id}/utfall",
            format!("/est/prioritet/{random}/utfall"),
            ["404", "403", "403", "403", "403", "404", "login"],
        ),
        (
            "POST",
            "/est/handelse/{id}/samma",
            format!("/est/handelse/{}/samma", i.incident),
            ["404", "404", "403", "403", "403", "404", "login"],
        ),
        (
            "POST",
            "/est/samverkan/{id}",
            format!("/est/samverkan/{}", i.need),
            ["400", "400", "403", "403", "400", "400", "login"],
        ),
    ]
}

fn est_rows_3(i: &Ids) -> Vec<Row> {
    vec![
        (
            "GET",
            "/est/installningar",
            "/est/installningar".into(),
            ADMIN,
        ),
        (
            "POST",
            "/est/installningar",
            "/est/installningar".into(),
            ADMIN,
        ),
        (
            "POST",
            "/est/installningar/kategori",
            "/est/installningar/kategori".into(),
            ADMIN,
        ),
        (
            "POST",
            "/est/installningar/omrade",
            "/est/installningar/omrade".into(),
            ADMIN,
        ),
        (
            "POST",
            "/est/installningar/polisen",
            "/est/installningar/polisen".into(),
            ADMIN,
        ),
        (
            "POST",
            "/est/installningar/kolada",
            "/est/installningar/kolada".into(),
            ADMIN,
        ),
        (
            "POST",
            "/est/installningar/tips",
            "/est/installningar/tips".into(),
            ADMIN,
        ),
        (
            "POST",
            "/est/installningar/granser",
            "/est/installningar/granser".into(),
            ADMIN,
        ),
        (
            "POST",
            "/est/installningar/{kind}/{id}/vaxla",
            format!("/est/installningar/omrade/{}/vaxla", i.area),
            ADMIN_HERE,
        ),
    ]
}

fn agreement_rows_1(i: &Ids) -> Vec<Row> {
    let a = i.agreement;
    vec![
        ("GET", "/avtal", "/avtal".into(), SIGNED_IN),
        ("GET", "/avtal/ny", "/avtal/ny".into(), ADMIN),
        ("POST", "/avtal/ny", "/avtal/ny".into(), ADMIN),
        (
            "GET",
            "/avtal/att-signera",
            "/avtal/att-signera".into(),
            SIGNED_IN,
        ),
        (
            "GET",
            "/avtal/installningar",
            "/avtal/installningar".into(),
            ADMIN,
        ),
        (
            "POST",
            "/avtal/installningar",
            "/avtal/installningar".into(),
            ADMIN,
        ),
        ("GET", "/avtal/{id}", format!("/avtal/{a}"), AGREEMENT),
        (
            "GET",
            "/avtal/{id}/andra",
            format!("/avtal/{a}/andra"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/avtal/{id}/andra",
            format!("/avtal/{a}/andra"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/avtal/{id}/skicka",
            format!("/avtal/{a}/skicka"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/avtal/{id}/signera",
            format!("/avtal/{a}/signera"),
            ["403", "403", "403", "ok", "403", "404", "login"],
        ),
    ]
}

fn agreement_rows_2(i: &Ids) -> Vec<Row> {
    let a = i.agreement;
    vec![
        (
            "POST",
            "/avtal/{id}/avsluta",
            format!("/avtal/{a}/avsluta"),
            ADMIN_HERE,
        ),
        (
            "POST",
            "/avtal/{id}/motpart",
            format!("/avtal/{a}/motpart"),
            ADMIN_HERE,
        ),
        (
            "GET",
            "/avtal/{id}/dokument/{version}",
            format!("/avtal/{a}/dokument/1"),
            AGREEMENT,
        ),
        (
            "GET",
            "/avtal/{id}/kvitto/{signature}",
            format!("/avtal/{a}/kvitto/{}", i.signature),
            AGREEMENT,
        ),
    ]
}

fn planning_rows_1(i: &Ids) -> Vec<Row> {
    vec![
        ("GET", "/planering", "/planering".into(), PLAN_READ),
        ("POST", "/planering/mal", "/planering/mal".into(), PLAN_EDIT),
        (
            "GET",
            "/planering/mal/{id}",
            format!("/planering/mal/{}", i.goal),
            PLAN_READ_HERE,
        ),
        (
            "POST",
            "/planering/mal/{id}",
            format!("/planering/mal/{}", i.goal),
            PLAN_EDIT_HERE,
        ),
        (
            "POST",
            "/planering/underlag",
            "/planering/underlag".into(),
            PLAN_EDIT,
        ),
        (
            "GET",
            "/planering/underlag/{id}",
            format!("/planering/underlag/{}", i.item),
            PLAN_READ_HERE,
        ),
        (
            "POST",
            "/planering/underlag/{id}",
            format!("/planering/underlag/{}", i.item),
            PLAN_EDIT_HERE,
        ),
        (
            "POST",
            "/planering/atgarder",
            "/planering/atgarder".into(),
            PLAN_EDIT,
        ),
        (
            "GET",
            "/planering/atgarder/{id}",
            format!("/planering/atgarder/{}", i.measure),
            PLAN_READ_HERE,
        ),
    ]
}

fn planning_rows_2(i: &Ids) -> Vec<Row> {
    vec![
        (
            "POST",
            "/planering/atgarder/{id}",
            format!("/planering/atgarder/{}", i.measure),
            PLAN_EDIT_HERE,
        ),
        (
            "POST",
            "/planering/atgarder/{id}/effekt",
            format!("/planering/atgarder/{}/effekt", i.measure),
            PLAN_EDIT_HERE,
        ),
        (
            "POST",
            "/planering/kallor",
            "/planering/kallor".into(),
            PLAN_EDIT,
        ),
        (
            "GET",
            "/planering/kallor/{id}/dokument",
            format!("/planering/kallor/{}/dokument", i.source),
            ["404", "404", "404", "404", "403", "404", "login"],
        ),
        (
            "POST",
            "/planering/lagesbild",
            "/planering/lagesbild".into(),
            PLAN_EDIT,
        ),
        (
            "GET",
            "/planering/lagesbild/{id}",
            format!("/planering/lagesbild/{}", i.lagesbild),
            PLAN_READ_HERE,
        ),
        (
            "POST",
            "/planering/installningar",
            "/planering/installningar".into(),
            ADMIN,
        ),
    ]
}

/// Medborgarlöften and the municipality's public page.
fn promise_rows(i: &Ids) -> Vec<Row> {
    vec![
        (
            "GET",
            "/planering/medborgarloften",
            "/planering/medborgarloften".into(),
            PLAN_READ,
        ),
        (
            "POST",
            "/planering/medborgarloften",
            "/planering/medborgarloften".into(),
            PLAN_EDIT,
        ),
        (
            "GET",
            "/planering/medborgarloften/{id}",
            format!("/planering/medborgarloften/{}", i.promise),
            PLAN_READ_HERE,
        ),
        (
            "POST",
            "/planering/medborgarloften/{id}",
            format!("/planering/medborgarloften/{}", i.promise),
            PLAN_EDIT_HERE,
        ),
        // The public page is off until the coordinator turns it on.
        (
            "GET",
            "/offentligt/{kommun}",
            "/offentligt/lindesberg".into(),
            ["404"; 7],
        ),
    ]
}

fn tip_rows_1(_: &Ids) -> Vec<Row> {
    let random = uuid::Uuid::nil();
    vec![
        // Tips from the public: the form and the poster are public.
        ("GET", "/tips/{kommun}", "/tips/lindesberg".into(), EVERYONE),
        (
            "POST",
            "/tips/{kommun}",
            "/tips/lindesberg".into(),
            EVERYONE,
        ),
        (
            "GET",
            "/tips/{kommun}/affisch",
            "/tips/lindesberg/affisch".into(),
            EVERYONE,
        ),
        (
            "GET",
            "/tips/{kommun}/karta.svg",
            "/tips/lindesberg/karta.svg".into(),
            EVERYONE,
        ),
        ("GET", "/est/tips", "/est/tips".into(), ADMIN),
        (
            "POST",
            "/est/tips/{id}/godkann",
            format!("/est/tips/{random}/godkann"),
            TIP_MODERATE,
        ),
        (
            "POST",
            "/est/tips/{id}/avvisa",
            format!("/est/tips/{random}/avvisa"),
            TIP_MODERATE,
        ),
        (
            "POST",
            "/est/tips/{id}/svara",
            format!("/est/tips/{random}/svara"),
            TIP_MODERATE,
        ),
        (
            "POST",
            "/est/tips/{id}/ta-bort",
            format!("/est/tips/{random}/ta-bort"),
            TIP_MODERATE,
        ),
        (
            "POST",
            "/est/tips/granskare",
            "/est/tips/granskare".into(),
            ADMIN,
        ),
    ]
}

fn tip_rows_2(_: &Ids) -> Vec<Row> {
    let random = uuid::Uuid::nil();
    vec![(
        "POST",
        "/est/tips/granskare/{id}/ta-bort",
        format!("/est/tips/granskare/{random}/ta-bort"),
        TIP_MODERATE,
    )]
}

fn dashboard_rows(_: &Ids) -> Vec<Row> {
    vec![
        ("GET", "/oversikt", "/oversikt".into(), SIGNED_IN),
        (
            "GET",
            "/karta/kommun.svg",
            "/karta/kommun.svg".into(),
            SIGNED_IN,
        ),
        (
            "GET",
            "/oversikt/{figure}",
            "/oversikt/vecka.csv".into(),
            SIGNED_IN,
        ),
        // Without SAMORDNA_TILE_URL there are no background tiles to serve
        // (tests/api/map.rs serves them from a fake tile server).
        (
            "GET",
            "/karta/plattor/{z}/{x}/{y}",
            "/karta/plattor/10/557/296.png".into(),
            ["404", "404", "404", "404", "404", "404", "login"],
        ),
        // Last: it ends each role's session (and sends everyone to the login page).
        ("POST", "/logout", "/logout".into(), ["login"; 7]),
    ]
}

// Only operators (driften; tests/api/operator.rs) reach /drift.
const OPERATOR: [&str; 7] = ["403", "403", "403", "403", "403", "403", "login"];

fn operator_rows(i: &Ids) -> Vec<Row> {
    let m = format!("/drift/kommuner/{}", i.municipality);
    vec![
        ("GET", "/drift", "/drift".into(), OPERATOR),
        (
            "GET",
            "/drift/ny-kommun",
            "/drift/ny-kommun".into(),
            OPERATOR,
        ),
        (
            "POST",
            "/drift/ny-kommun",
            "/drift/ny-kommun".into(),
            OPERATOR,
        ),
        ("GET", "/drift/kommuner/{id}", m.clone(), OPERATOR),
        (
            "POST",
            "/drift/kommuner/{id}/inbjudan",
            format!("{m}/inbjudan"),
            OPERATOR,
        ),
        (
            "POST",
            "/drift/kommuner/{id}/avstangning",
            format!("{m}/avstangning"),
            OPERATOR,
        ),
        (
            "POST",
            "/drift/kommuner/{id}/export",
            format!("{m}/export"),
            OPERATOR,
        ),
        (
            "GET",
            "/drift/kommuner/{id}/radera",
            format!("{m}/radera"),
            OPERATOR,
        ),
        (
            "POST",
            "/drift/kommuner/{id}/radera",
            format!("{m}/radera"),
            OPERATOR,
        ),
        // A link nobody was sent: the same page for everyone.
        (
            "GET",
            "/inbjudan/{token}",
            "/inbjudan/ingen".into(),
            ["404"; 7],
        ),
        (
            "POST",
            "/inbjudan/{token}",
            "/inbjudan/ingen".into(),
            ["404"; 7],
        ),
    ]
}

/// Routes whose forms are multipart (file uploads).
const MULTIPART: [&str; 6] = [
    "/drift/ny-kommun",
    "/avtal/ny",
    "/est/installningar/granser",
    "/avtal/{id}/andra",
    "/avtal/{id}/motpart",
    "/planering/kallor",
];

async fn request(
    app: &TestApp,
    client: &reqwest::Client,
    method: &str,
    route: &str,
    path: &str,
    forged: bool,
) -> reqwest::Response {
    let mut builder = if method == "GET" {
        client.get(app.url(path))
    } else {
        client.post(app.url(path))
    };
    if method == "POST" {
        builder = if MULTIPART.contains(&route) {
            builder.multipart(reqwest::multipart::Form::new().text("title", ""))
        } else {
            builder.form(&[("", "")][..0])
        };
    }
    if forged {
        builder = builder
            .header("origin", "https://angripare.example")
            .header("sec-fetch-site", "cross-site");
    }
    builder.send().await.expect("request")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn every_route_answers_every_role_as_the_matrix_says(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let ids = ids(&app.db).await;
    let rows = matrix(&ids);

    let listed: BTreeSet<(String, String)> = rows
        .iter()
        .map(|(m, r, _, _)| ((*m).to_owned(), (*r).to_owned()))
        .collect();
    let in_source = routes_in_source();
    let missing: Vec<_> = in_source.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the matrix: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&in_source).collect();
    assert!(
        stale.is_empty(),
        "rows for routes that no longer exist: {stale:?}"
    );

    let mut clients = Vec::new();
    for (role, email) in [
        ("coordinator", Some(COORDINATOR)),
        ("kommunpolis", Some(POLICE_LIAISON)),
        ("styrgrupp", Some("oppositionsrad@lindesberg.example")),
        ("signatory", Some("kommundirektor@lindesberg.example")),
        ("est", Some(SECURITAS)),
        ("other municipality", Some(NORA_COORDINATOR)),
        ("anonymous", None),
    ] {
        let browser = TestApp::spawn(app.db.clone()).await;
        match email {
            Some(e) if e == POLICE_LIAISON => browser.login_in(e, "Lindesbergs kommun").await,
            Some(e) => browser.login(e).await,
            None => {}
        }
        clients.push((role, browser));
    }

    let mut wrong = Vec::new();
    for (method, route, path, expected) in &rows {
        for (column, (role, browser)) in clients.iter().enumerate() {
            let response = request(browser, &browser.client, method, route, path, false).await;
            let location = header(response.headers(), "location");
            let got = category(response.status(), location.as_deref());
            if got != expected[column] {
                wrong.push(format!(
                    "{method} {path} as {role}: expected {}, got {got} ({})",
                    expected[column],
                    response.status()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers differ from the matrix:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(ROLES.len(), clients.len());
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn every_form_refuses_a_forged_cross_site_post(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let ids = ids(&app.db).await;
    let before: i64 = db_value!(&app.db, r#"select count(*) as "n!" from audit_event"#);

    for (method, route, path, _) in matrix(&ids).iter().filter(|r| r.0 == "POST") {
        let response = request(&app, &app.client, method, route, path, true).await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "forged POST {path}"
        );
    }

    let after: i64 = db_value!(&app.db, r#"select count(*) as "n!" from audit_event"#);
    assert_eq!(after, before, "nothing changed");
    assert_eq!(
        app.status("/").await,
        StatusCode::OK,
        "the real session still works"
    );
}

/// Pages every signed-in person has, whatever their municipality.
const ANY_PERSON: [&str; 5] = [
    "/konto",
    "/konto/losenord",
    "/konto/kalender",
    "/valj-kommun",
    "/logout",
];

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_operator_is_refused_on_every_route_that_needs_a_municipality(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let ids = ids(&app.db).await;
    let browser = crate::operator::operator(&app).await;
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (method, route, path, expected) in matrix(&ids) {
        let municipal =
            expected[6] == "login" && !ANY_PERSON.contains(&route) && !route.starts_with("/drift");
        if !municipal {
            continue;
        }
        checked += 1;
        let response = request(&app, &browser, method, route, &path, false).await;
        if response.status() != StatusCode::FORBIDDEN {
            wrong.push(format!("{method} {path}: {}", response.status()));
        }
    }
    assert!(checked > 100, "only {checked} routes checked");
    assert!(
        wrong.is_empty(),
        "an operator was not refused:\n{}",
        wrong.join("\n")
    );
}
