//! The map: boundaries uploaded as GeoJSON, the choropleths, the point
//! picker and the GeoJSON export.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use scraper::Html;

use crate::helpers::*;

/// A square of `d` around a corner, as a GeoJSON feature named `name`.
fn square(name: &str, x: f64, y: f64, d: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"namn":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}}}}"#,
        x2 = x + d,
        y2 = y + d
    )
}

fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

async fn upload(app: &TestApp, target: &str, file: impl Into<Vec<u8>>) -> reqwest::Response {
    let form = Form::new().text("target", target.to_owned()).part(
        "geojson",
        Part::bytes(file.into()).file_name("granser.geojson"),
    );
    app.post_multipart("/est/installningar/granser", form).await
}

/// The stored boundary of an area of Lindesberg, as GeoJSON text.
async fn boundary(app: &TestApp, area: &str) -> (Option<serde_json::Value>, bool) {
    let row = db_row!(
        &app.db,
        r#"select boundary, boundary_schematic from area
           where name = $1 and municipality_id = (select id from municipality where slug = 'lindesberg')"#,
        area
    );
    (row.boundary, row.boundary_schematic)
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_demo_areas_have_schematic_boundaries_and_the_page_says_so(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;

    let page = app.get_html("/est/installningar").await;

    assert_listed(
        &texts(&page, "#karta ~ figure.map figcaption .tag"),
        "Schematisk karta",
    );
    assert_eq!(
        rows(&page, "#omraden + table tbody tr")
            .iter()
            .filter(|r| r.contains("Schematisk"))
            .count(),
        7
    );
    assert_eq!(page.select(&sel("svg.map-svg path.map-area")).count(), 7);
    assert_eq!(page.select(&sel("svg.map-svg path.map-outline")).count(), 1);
    let (stored, schematic) = boundary(&app, "Frövi").await;
    assert!(stored.is_some() && schematic);
}

fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).expect("selector")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn boundaries_in_sweref_99_tm_are_matched_by_name_and_stored_in_wgs84(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    // Frövi in SWEREF 99 TM, named in any case under "name".
    let file =
        collection(&[square("frövi", 521_000.0, 6_592_000.0, 2000.0).replace("namn", "name")]);

    let response = upload(&app, "omraden", file).await;

    assert_redirect_to(&response, "/est/installningar#karta");
    let (stored, schematic) = boundary(&app, "Frövi").await;
    assert!(!schematic);
    let first = &stored.expect("stored")["coordinates"][0][0][0];
    let (lon, lat) = (
        first[0].as_f64().expect("lon"),
        first[1].as_f64().expect("lat"),
    );
    assert!(
        (15.3..15.5).contains(&lon) && (59.4..59.5).contains(&lat),
        "{first}"
    );
    // The other areas keep their schematic boundaries.
    assert!(boundary(&app, "Storå").await.1);
    let page = app.get_html("/est/installningar").await;
    assert!(
        rows(&page, "#omraden + table tbody tr")
            .iter()
            .any(|r| r.contains("Frövi") && r.contains("Uppladdad"))
    );
    let audit = db_values!(
        &app.db,
        "select summary from audit_event where action = 'laddade upp'"
    );
    assert_eq!(audit, vec!["Gränser för Frövi".to_owned()]);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_municipality_outline_is_uploaded_the_same_way(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let file = collection(&[square("Lindesbergs kommun", 14.9, 59.3, 0.9)]);

    let response = upload(&app, "kommun", file).await;

    assert_redirect_to(&response, "/est/installningar#karta");
    let row = db_row!(
        &app.db,
        "select outline, outline_schematic from municipality where slug = 'lindesberg'"
    );
    assert!(!row.outline_schematic);
    assert_eq!(
        row.outline.expect("outline")["coordinates"][0][0][0][0],
        14.9
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_bad_file_is_refused_next_to_the_field_and_changes_nothing(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let before = boundary(&app, "Frövi").await;
    let good = square("Frövi", 15.35, 59.45, 0.02);
    let bowtie = r#"{"type":"Feature","properties":{"namn":"Frövi"},"geometry":{"type":"Polygon","coordinates":[[[15.3,59.4],[15.4,59.5],[15.4,59.4],[15.3,59.5],[15.3,59.4]]]}}"#.to_owned();
    let open = r#"{"type":"Feature","properties":{"namn":"Frövi"},"geometry":{"type":"Polygon","coordinates":[[[15.3,59.4],[15.4,59.4],[15.4,59.5],[15.3,59.5]]]}}"#.to_owned();
    let three = r#"{"type":"Feature","properties":{"namn":"Frövi"},"geometry":{"type":"Polygon","coordinates":[[[15.3,59.4],[15.4,59.4],[15.3,59.4]]]}}"#.to_owned();
    let point = r#"{"type":"Feature","properties":{"namn":"Frövi"},"geometry":{"type":"Point","coordinates":[15.3,59.4]}}"#.to_owned();
    let text = r#"{"type":"Feature","properties":{"namn":"Frövi"},"geometry":{"type":"Polygon","coordinates":[[["a","b"],[15.4,59.4],[15.4,59.5],["a","b"]]]}}"#.to_owned();
    let rt90 = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3021"}},"features":[FEATURE]}"#.replace("FEATURE", &good);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty file", Vec::new(), "Välj en GeoJSON-fil"),
        ("plain text", b"Frovi;15.3;59.4".to_vec(), "inte GeoJSON"),
        ("truncated", collection(std::slice::from_ref(&good)).as_bytes()[..40].to_vec(), "inte GeoJSON"),
        ("json not geojson", r#"{"namn":"Frövi"}"#.as_bytes().to_vec(), "inte GeoJSON"),
        ("a pdf", b"%PDF-1.7\n%\xe2\xe3\n".to_vec(), "inte GeoJSON"),
        ("latin-1", "{\"namn\":\"Fr\u{f6}vi\"}".bytes().map(|b| if b > 127 { 0xf6 } else { b }).collect(), "inte GeoJSON"),
        ("no features", collection(&[]).into_bytes(), "inga ytor"),
        ("a bare geometry", br#"{"type":"Polygon","coordinates":[[[15.3,59.4],[15.4,59.4],[15.4,59.5],[15.3,59.4]]]}"#.to_vec(), "inga ytor"),
        ("a point", collection(&[point]).into_bytes(), "är inte en yta"),
        ("self-crossing", collection(&[bowtie]).into_bytes(), "ogiltig"),
        ("open ring", collection(&[open]).into_bytes(), "ogiltig"),
        ("three corners", collection(&[three]).into_bytes(), "ogiltig"),
        ("text coordinates", collection(&[text]).into_bytes(), "inte GeoJSON"),
        ("Paris", collection(&[square("Frövi", 2.35, 48.85, 0.02)]).into_bytes(), "utanför Sverige"),
        ("swapped axes", collection(&[square("Frövi", 59.45, 15.35, 0.02)]).into_bytes(), "utanför Sverige"),
        ("RT 90 numbers", collection(&[square("Frövi", 1_460_000.0, 6_590_000.0, 1000.0)]).into_bytes(), "Okänt koordinatsystem"),
        ("RT 90 declared", rt90.into_bytes(), "Okänt koordinatsystem"),
        ("no name", collection(&[good.replace("namn", "kod")]).into_bytes(), "saknar namn"),
        ("unknown area", collection(&[good.clone(), square("Atlantis", 15.5, 59.5, 0.01)]).into_bytes(), "inte finns: Atlantis"),
        ("same name twice", collection(&[good.clone(), good.clone()]).into_bytes(), "finns på flera ytor"),
        ("over 5 MB", format!("{}{}", collection(std::slice::from_ref(&good)), " ".repeat(5 * 1024 * 1024)).into_bytes(), "större än 5 MB"),
    ];
    for (what, file, message) in cases {
        let response = upload(&app, "omraden", file).await;

        let page = assert_refused_by(response, "geojson", message, what).await;
        assert_eq!(
            page.select(&sel("input#geojson[aria-invalid=true]"))
                .count(),
            1,
            "{what}"
        );
    }
    assert_eq!(boundary(&app, "Frövi").await, before);
    let audit = db_value!(
        &app.db,
        r#"select count(*) as "n!" from audit_event where action = 'laddade upp'"#
    );
    assert_eq!(audit, 0);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn only_the_coordinator_uploads_boundaries(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let file = collection(&[square("Frövi", 15.35, 59.45, 0.02)]);
    assert_redirect_to(&upload(&app, "omraden", file.clone()).await, "/login");
    app.login(SECURITAS).await;

    let response = upload(&app, "omraden", file).await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(boundary(&app, "Frövi").await.1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_boundary_file_names_only_the_coordinators_own_areas(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, NORA_COORDINATOR).await;

    // Frövi is Lindesberg's: Nora's coordinator cannot reach it.
    let response = upload(
        &app,
        "omraden",
        collection(&[square("Frövi", 15.35, 59.45, 0.02)]),
    )
    .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(boundary(&app, "Frövi").await.1);
}

/// The demo and the dashboard's fixture, the coordinator signed in.
async fn fixture_signed_in(db: sqlx::PgPool) -> TestApp {
    let app = TestApp::demo(db).await;
    crate::dashboard::fixture(&app).await;
    app.login(COORDINATOR).await;
    app
}

/// The dashboard over the fixture's period.
async fn dashboard_page(app: &TestApp) -> Html {
    app.get_html(&format!("/oversikt?{}", crate::dashboard::PERIOD))
        .await
}

/// The report week three weeks ago, full of the demo's incidents.
fn three_weeks_ago() -> samordna::est::week::ReportWeek {
    samordna::est::week::ReportWeek::containing(samordna::web::today() - chrono::Days::new(21), 1)
}

/// The map's table rows (area and count) and each drawn area's class.
fn map_rows(page: &Html) -> Vec<String> {
    rows(page, "figure.map table tbody tr")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_dashboard_map_counts_the_periods_incidents_per_area(db: sqlx::PgPool) {
    let app = fixture_signed_in(db).await;

    let page = dashboard_page(&app).await;

    let table = map_rows(&page);
    assert_eq!(table[..2], ["Lindesberg 2", "Frövi 1"], "{table:?}");
    assert_eq!(table.len(), 7);
    assert!(table[2..].iter().all(|r| r.ends_with(" 0")), "{table:?}");
    // The darkest class for the most, the legend naming what each colour holds.
    let classes: Vec<&str> = page
        .select(&sel("svg.map-svg path.map-area"))
        .filter_map(|p| p.value().attr("class"))
        .collect();
    assert_eq!(classes.len(), 7);
    assert_eq!(classes.iter().filter(|c| c.ends_with("map-c4")).count(), 1);
    assert_eq!(classes.iter().filter(|c| c.ends_with("map-c2")).count(), 1);
    assert_eq!(texts(&page, "figure.map .map-legend li"), ["0", "1", "2"]);
    assert_listed(&texts(&page, "svg.map-svg text"), "Lindesberg: 2");
    assert_eq!(
        page.select(&sel("svg.map-svg[role=img] > title")).count(),
        1
    );

    // Another period, other numbers.
    let page = app
        .get_html("/oversikt?fran=2020-01-20&till=2020-01-26")
        .await;
    let table = map_rows(&page);
    assert_eq!(table[0], "Frövi 1");
    assert!(table[1..].iter().all(|r| r.ends_with(" 0")), "{table:?}");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_lagesbild_map_counts_the_weeks_incidents_per_area(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let week = three_weeks_ago();
    let expected: Vec<String> = db_values!(
        &app.db,
        r#"select a.name || ' ' || count(i.id) as "row!"
           from area a
           left join (est_incident i join est_report r on r.id = i.report_id and r.week_start = $1)
                  on i.area_id = a.id and i.duplicate_of is null
           where a.municipality_id = (select id from municipality where slug = 'lindesberg')
           group by a.name order by count(i.id) desc, a.name"#,
        week.monday
    );

    let page = app
        .get_html(&format!("/est/lagesbild/{}", week.key()))
        .await;

    assert_eq!(map_rows(&page), expected);
    assert!(
        texts(&page, "figure.map figcaption")
            .iter()
            .any(|c| c.contains("Schematisk karta"))
    );
    assert_eq!(page.select(&sel("svg.map-svg path.map-area")).count(), 7);
}

/// The report form's fields for an incident in Lindesberg (area chosen
/// separately), with `extra` fields after them.
async fn incident_form(app: &TestApp, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let page = app.get_html("/est/rapport").await;
    let week = value_of(&page, "#handelser input[name=vecka]").expect("week");
    let org = value_of(&page, "#handelser input[name=org]").expect("organisation");
    let category: uuid::Uuid = db_value!(
        &app.db,
        "select c.id from incident_category c join municipality m on m.id = c.municipality_id
         where m.slug = 'lindesberg' and c.name = 'Klotter'"
    );
    let yesterday = (samordna::web::today() - chrono::Days::new(1)).to_string();
    let mut form: Vec<(String, String)> = [
        ("vecka", week.as_str()),
        ("org", org.as_str()),
        ("category_id", &category.to_string()),
        ("occurred_on", &yesterday),
        ("area_id", ""),
        ("place", "stationen"),
        ("description", "Klotter på perrongens väntkur."),
        ("insecurity", "2"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (k, v) in extra {
        form.retain(|(key, _)| key != k);
        form.push(((*k).to_owned(), (*v).to_owned()));
    }
    form
}

async fn send(app: &TestApp, form: &[(String, String)]) -> reqwest::Response {
    app.client
        .post(app.url("/est/rapport/handelse"))
        .form(form)
        .send()
        .await
        .expect("POST")
}

async fn incidents(app: &TestApp) -> i64 {
    db_value!(&app.db, r#"select count(*) as "n!" from est_incident"#)
}

fn number(page: &Html, css: &str) -> f64 {
    value_of(page, css)
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// The report form as it comes back after a click on its map at
/// (longitude, latitude).
async fn clicked_at(app: &TestApp, lon: f64, lat: f64) -> Html {
    let (x, y) = pixel_of(app, lon, lat).await;
    let response = send(
        app,
        &incident_form(app, &[("karta.x", &x), ("karta.y", &y)]).await,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    Html::parse_document(&response.text().await.expect("body"))
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_click_on_the_map_places_the_point_and_keeps_the_form(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let form_page = app.get_html("/est/rapport").await;
    assert_eq!(
        form_page
            .select(&sel("#handelser input[type=image][name=karta]"))
            .count(),
        1
    );
    assert_eq!(form_page.select(&sel("#handelser input[type=text][name=latitude], #handelser input[type=text][name=longitude]")).count(), 0);
    let before = incidents(&app).await;

    let page = clicked_at(&app, 15.3667, 59.4667).await; // Frövi

    let (lat, lon) = (
        number(&page, "#punkt input[name=latitude]"),
        number(&page, "#punkt input[name=longitude]"),
    );
    assert!(
        (lat - 59.4667).abs() < 0.005 && (lon - 15.3667).abs() < 0.01,
        "{lat} {lon}"
    );
    assert_eq!(texts(&page, "#area_id option[selected]"), ["Frövi"]);
    assert_value(&page, "#place", "stationen");
    assert_eq!(
        texts(&page, "#description"),
        ["Klotter på perrongens väntkur."]
    );
    let near = page
        .select(&sel("#punkt input[type=image][name=narbild]"))
        .next()
        .expect("close-up");
    assert!(
        near.value()
            .attr("src")
            .is_some_and(|s| s.starts_with("/karta/kommun.svg?nara=59.4"))
    );
    assert_eq!(incidents(&app).await, before, "a click stores nothing");

    // A click 40 px right of the centre of the close-up (2.4 km over 304 px) moves the point east.
    let lat_text = value_of(&page, "#punkt input[name=latitude]").expect("lat");
    let lon_text = value_of(&page, "#punkt input[name=longitude]").expect("lon");
    let again = incident_form(
        &app,
        &[
            ("latitude", &lat_text),
            ("longitude", &lon_text),
            ("area_id", ""),
            ("narbild.x", "200"),
            ("narbild.y", "160"),
        ],
    )
    .await;
    let page = Html::parse_document(&send(&app, &again).await.text().await.expect("body"));
    let (lat2, lon2) = (
        number(&page, "#punkt input[name=latitude]"),
        number(&page, "#punkt input[name=longitude]"),
    );
    assert!((lat2 - lat).abs() < 0.0005, "{lat} → {lat2}");
    let metres_east = (lon2 - lon) * 111_320.0 * lat.to_radians().cos();
    assert!((250.0..380.0).contains(&metres_east), "{metres_east} m");

    // Sent with the main button: stored with the point.
    let lat_text = value_of(&page, "#punkt input[name=latitude]").expect("lat");
    let lon_text = value_of(&page, "#punkt input[name=longitude]").expect("lon");
    let area = value_of(&page, "#area_id option[selected]").expect("area");
    let response = send(
        &app,
        &incident_form(
            &app,
            &[
                ("latitude", &lat_text),
                ("longitude", &lon_text),
                ("area_id", &area),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = db_row!(
        &app.db,
        "select i.latitude, i.longitude, a.name from est_incident i join area a on a.id = i.area_id where i.description = 'Klotter på perrongens väntkur.'"
    );
    assert_eq!(stored.name, "Frövi");
    assert!(
        (stored.latitude.expect("lat") - lat2).abs() < 1e-5
            && (stored.longitude.expect("lon") - lon2).abs() < 1e-5
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_point_outside_the_municipality_is_refused(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;

    // The top left corner of the map lies outside Lindesberg's outline.
    let response = send(
        &app,
        &incident_form(&app, &[("karta.x", "2"), ("karta.y", "2")]).await,
    )
    .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Html::parse_document(&response.text().await.expect("body"));
    assert!(
        texts(&page, "#karta-error")
            .iter()
            .any(|e| e.contains("utanför kommunen"))
    );
    assert_value(&page, "#punkt input[name=latitude]", "");
    assert_eq!(
        value_of(&page, "#description")
            .or_else(|| texts(&page, "#description").pop())
            .as_deref(),
        Some("Klotter på perrongens väntkur.")
    );

    // Nor is a point typed into the hidden fields by hand (Stockholm).
    let area = db_value!(&app.db, "select a.id from area a join municipality m on m.id = a.municipality_id where m.slug = 'lindesberg' and a.name = 'Frövi'")
        .to_string();
    let before = incidents(&app).await;
    let response = send(
        &app,
        &incident_form(
            &app,
            &[
                ("area_id", &area),
                ("latitude", "59.3293"),
                ("longitude", "18.0686"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(incidents(&app).await, before);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn enter_in_a_text_field_sends_the_form_and_the_point_can_be_removed(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let area = db_value!(&app.db, "select a.id from area a join municipality m on m.id = a.municipality_id where m.slug = 'lindesberg' and a.name = 'Storå'")
        .to_string();

    // "Ta bort punkten" clears the point, and keeps the rest.
    let response = send(
        &app,
        &incident_form(
            &app,
            &[
                ("area_id", &area),
                ("latitude", "59.71"),
                ("longitude", "15.13"),
                ("ta_bort_punkt", "ja"),
            ],
        )
        .await,
    )
    .await;
    let page = Html::parse_document(&response.text().await.expect("body"));
    assert_value(&page, "#punkt input[name=latitude]", "");
    assert_eq!(page.select(&sel("#narbild")).count(), 0);

    // The browser sends the map's (0, 0) when Enter is pressed in a text field.
    let before = incidents(&app).await;
    let response = send(
        &app,
        &incident_form(
            &app,
            &[("area_id", &area), ("karta.x", "0"), ("karta.y", "0")],
        )
        .await,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(incidents(&app).await, before + 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_picker_image_is_the_municipalitys_own_map_with_the_pin(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    assert_redirect_to(&app.get("/karta/kommun.svg").await, "/login");
    app.login(SECURITAS).await;

    let response = app.get("/karta/kommun.svg?punkt=59.46670,15.36670").await;

    let svg = body_of_type(response, "image/svg+xml").await;
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_eq!(svg.matches("fill=\"#b3261e\"").count(), 1, "one pin");
    assert!(svg.contains(">Frövi</text>") && svg.contains(">Ramsberg</text>"));
    let near = app
        .get_text("/karta/kommun.svg?nara=59.46670,15.36670")
        .await;
    assert!(near.contains("Närbild") && !near.contains("fill=\"#b3261e\""));
    // Without a background map the close-up shows its scale by a grid, and
    // names the area its centre lies in (whose label may lie outside it).
    assert_eq!(
        near.matches("stroke-dasharray=\"3 3\"").count(),
        11,
        "a line every 200 m across 2.4 km"
    );
    assert!(near.contains("2,4 km bred, rutor om 200 m"), "{near}");
    assert!(near.contains(">Område: Frövi</text>"), "{near}");
    let between = app
        .get_text("/karta/kommun.svg?nara=59.55000,15.30000")
        .await;
    assert!(!between.contains("Område:"), "no area there: {between}");
    // Nora's map is Nora's.
    let nora = app.beside(NORA_COORDINATOR).await;
    let svg = kommun_svg(&nora).await;
    assert!(svg.contains(">Gyttorp</text>") && !svg.contains(">Frövi</text>"));
}

/// The demo with the dashboard's fixture, its incidents of each
/// description list placed at (latitude, longitude).
async fn fixture_with_points(db: sqlx::PgPool, points: &[(&[&str], (f64, f64))]) -> TestApp {
    let app = TestApp::demo(db).await;
    crate::dashboard::fixture(&app).await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    for (descriptions, (latitude, longitude)) in points {
        let descriptions: Vec<String> = descriptions.iter().map(|d| (*d).to_owned()).collect();
        db_run!(
            &app.db,
            r#"update est_incident set latitude = $3, longitude = $4
               where description = any($2) and municipality_id = $1"#,
            m,
            &descriptions,
            latitude,
            longitude
        );
    }
    app
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_geojson_export_has_points_areas_categories_and_dates_and_no_free_text(
    db: sqlx::PgPool,
) {
    // One of the fixture's incidents was placed on the map.
    let app = fixture_with_points(db, &[(&["Mopeder"], (59.46712, 15.36701))]).await;
    app.login(COORDINATOR).await;
    let list = app
        .get_html(&format!("/est/handelser?{}", crate::dashboard::PERIOD))
        .await;
    let link = attr_of(&list, "a[href^='/est/handelser.geojson?']", "href").expect("GeoJSON link");

    let response = app.get(&link).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    let text = response.text().await.expect("body");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(json["type"], "FeatureCollection");
    let features = json["features"].as_array().expect("features");
    assert_eq!(
        features.len(),
        3,
        "the incident reported twice is counted once"
    );
    let moped = features
        .iter()
        .find(|f| f["properties"]["underkategori"] == "Moped")
        .expect("moped");
    assert_eq!(moped["geometry"]["type"], "Point");
    assert_eq!(moped["geometry"]["coordinates"][0], 15.36701);
    assert_eq!(moped["properties"]["område"], "Frövi");
    assert_eq!(moped["properties"]["kategori"], "Trafik");
    assert_eq!(moped["properties"]["datum"], "2020-01-21");
    assert!(features.iter().filter(|f| f["geometry"].is_null()).count() == 2);
    for free_text in ["Mopeder", "Klotter på", "Brand i papperskorg", "Securitas"] {
        assert!(!text.contains(free_text), "{free_text}");
    }
    // The CSV has the coordinates too, with a decimal comma.
    let csv = app
        .get_text(&format!("/est/handelser.csv?{}", crate::dashboard::PERIOD))
        .await;
    assert!(
        csv.lines()
            .next()
            .expect("head")
            .ends_with(";latitud;longitud")
    );
    assert!(
        csv.lines().any(|l| l.ends_with(";59,46712;15,36701")),
        "{csv}"
    );

    // Without oversight: neither the export nor the coordinates.
    let member = app.beside(SECURITAS).await;
    member.assert_status(&link, StatusCode::FORBIDDEN).await;
    let list = member
        .get_html(&format!("/est/handelser?{}", crate::dashboard::PERIOD))
        .await;
    assert_eq!(
        list.select(&sel("a[href^='/est/handelser.geojson']"))
            .count(),
        0
    );
    let csv = member
        .get_text(&format!("/est/handelser.csv?{}", crate::dashboard::PERIOD))
        .await;
    assert!(!csv.contains("latitud") && !csv.contains("59,46712"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_heat_layer_shows_points_only_to_oversight_and_hides_small_bins_from_others(
    db: sqlx::PgPool,
) {
    let app = fixture_with_points(
        db,
        &[
            (
                &["Klotter", "Brand i papperskorg", "Samma klotter"],
                (59.594, 15.227),
            ),
            (&["Mopeder"], (59.467, 15.367)),
        ],
    )
    .await;
    app.login(COORDINATOR).await;
    let path = format!("/oversikt?{}", crate::dashboard::PERIOD);

    let page = app.get_html(&path).await;

    assert_eq!(page.select(&sel("svg.map-svg circle.map-point")).count(), 3);
    assert_eq!(page.select(&sel("svg.map-svg .map-heat path")).count(), 2);
    assert!(texts(&page, ".map-heat-note")[0].starts_with("3 av händelserna har en punkt"));
    // The heat layer has its entry in the legend.
    assert_eq!(
        texts(&page, ".map-legend .map-legend-heat"),
        ["Värmelager: händelser med en punkt, mörkare där de är fler"]
    );

    // The steering group sees the figures, but no bin of fewer than three.
    let kso = app.beside("kso@lindesberg.example").await;
    let page = kso.get_html(&path).await;
    assert_eq!(page.select(&sel("svg.map-svg circle")).count(), 0);
    assert_eq!(page.select(&sel("svg.map-svg .map-heat path")).count(), 0);
    assert!(texts(&page, ".map-legend .map-legend-heat").is_empty());
    let note = texts(&page, ".map-heat-note");
    assert!(
        note[0].contains(
            "Rutor med färre än 3 händelser visas inte, så att ingen enskild händelse går att peka ut; 3 händelser räknas bara i antalet per område."
        ),
        "{note:?}"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_demo_places_incidents_inside_their_areas_boundaries(db: sqlx::PgPool) {
    use geo::Contains;
    samordna::seed::load_demo(&db).await.expect("demo");
    let m = municipality_id(&db, "Lindesbergs kommun").await;
    let shapes = samordna::map::shapes(&db, samordna::tenant::MunicipalityId::of_row(m))
        .await
        .expect("shapes");
    let placed = db_rows!(
        &db,
        r#"select a.name, i.latitude as "latitude!", i.longitude as "longitude!" from est_incident i join area a on a.id = i.area_id
           where i.municipality_id = $1 and i.latitude is not null"#,
        m
    );
    let all: i64 = db_value!(
        &db,
        r#"select count(*) as "n!" from est_incident where municipality_id = $1"#,
        m
    );

    assert!(
        placed.len() as i64 > all / 2 && (placed.len() as i64) < all * 7 / 10,
        "{} of {all}",
        placed.len()
    );
    for p in &placed {
        let area = shapes
            .areas
            .iter()
            .find(|a| a.name == p.name)
            .expect("area");
        let shape = area.shape.as_ref().expect("boundary");
        assert!(
            shape.contains(&geo::Point::new(p.longitude, p.latitude)),
            "{} {} {}",
            p.name,
            p.latitude,
            p.longitude
        );
    }
}

/// A top category's id in Lindesberg.
async fn category_id(app: &TestApp, name: &str) -> uuid::Uuid {
    db_value!(
        &app.db,
        "select c.id from incident_category c join municipality m on m.id = c.municipality_id
         where m.slug = 'lindesberg' and c.name = $1 and c.parent_id is null",
        name
    )
}

/// The counts of the map's table, summed.
fn map_total(page: &Html) -> i64 {
    map_rows(page)
        .iter()
        .filter_map(|r| r.rsplit(' ').next().and_then(|n| n.parse::<i64>().ok()))
        .sum()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_incident_list_has_the_map_of_its_filtered_incidents(db: sqlx::PgPool) {
    let app = fixture_signed_in(db).await;
    let path = format!("/est/handelser?{}", crate::dashboard::PERIOD);

    let page = app.get_html(&path).await;

    let table = map_rows(&page);
    assert_eq!(table[..2], ["Lindesberg 2", "Frövi 1"], "{table:?}");
    assert!(table[2..].iter().all(|r| r.ends_with(" 0")), "{table:?}");
    assert_eq!(page.select(&sel("svg.map-svg path.map-area")).count(), 7);
    assert!(
        texts(&page, "figure.map figcaption")[0].contains("2020-01-06 – 2020-01-26"),
        "{:?}",
        texts(&page, "figure.map figcaption")
    );

    // The category filter (a top category, its subcategories included).
    let traffic = category_id(&app, "Trafik").await;
    let page = app.get_html(&format!("{path}&kategori={traffic}")).await;
    let table = map_rows(&page);
    assert_eq!(table[0], "Frövi 1");
    assert!(table[1..].iter().all(|r| r.ends_with(" 0")), "{table:?}");
    let damage = category_id(&app, "Skadegörelse").await;
    let page = app.get_html(&format!("{path}&kategori={damage}")).await;
    assert_eq!(map_rows(&page)[0], "Lindesberg 2");
    assert_eq!(map_total(&page), 2);

    // The area filter.
    let frovi: uuid::Uuid = db_value!(&app.db, "select id from area where name = 'Frövi'");
    let page = app.get_html(&format!("{path}&omrade={frovi}")).await;
    assert_eq!(map_rows(&page)[0], "Frövi 1");
    assert_eq!(map_total(&page), 1);

    // The period: the map counts every page of the list, not only the first.
    let page = app.get_html("/est/handelser").await;
    let summary = texts(&page, "#visar")[0].clone();
    let total: i64 = summary
        .split(" av ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("total");
    assert!(total > 50, "{summary}");
    assert_eq!(map_total(&page), total);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_dashboard_map_shows_one_category_when_its_filter_asks(db: sqlx::PgPool) {
    let app = fixture_signed_in(db).await;
    let page = dashboard_page(&app).await;
    // The map's own form: a labelled category choice, the period kept.
    assert_eq!(
        texts(&page, "figure.map form label[for=karta-kategori]"),
        ["Kategori"]
    );
    assert_value(&page, "figure.map form input[name=fran]", "2020-01-06");
    let top: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from incident_category
           where parent_id is null and municipality_id = (select id from municipality where slug = 'lindesberg')"#
    );
    assert_eq!(
        page.select(&sel("figure.map form select[name=kategori] option"))
            .count() as i64,
        1 + top
    );
    let damage = category_id(&app, "Skadegörelse").await;

    let page = app
        .get_html(&format!(
            "/oversikt?{}&kategori={damage}",
            crate::dashboard::PERIOD
        ))
        .await;

    let table = map_rows(&page);
    assert_eq!(table[0], "Lindesberg 2", "{table:?}");
    assert_eq!(map_total(&page), 2);
    assert!(texts(&page, "figure.map figcaption")[0].starts_with("Skadegörelse per område"));
    assert_eq!(
        page.select(&sel(&format!(
            "figure.map select[name=kategori] option[value='{damage}'][selected]"
        )))
        .count(),
        1
    );
    // Only the map follows it: the figures still count every category.
    assert_eq!(
        rows(&page, "#tabell-kategori tbody tr"),
        ["Skadegörelse 2", "Trafik 1"]
    );
    let traffic = category_id(&app, "Trafik").await;
    let page = app
        .get_html(&format!(
            "/oversikt?{}&kategori={traffic}",
            crate::dashboard::PERIOD
        ))
        .await;
    assert_eq!(map_rows(&page)[0], "Frövi 1");
    assert_eq!(map_total(&page), 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_lagesbild_map_shows_one_category_when_its_filter_asks(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let week = three_weeks_ago();
    // The week's most common top category.
    let (category, name, n) = sqlx::query!(
        r#"select coalesce(pc.id, c.id) as "id!", coalesce(pc.name, c.name) as "name!", count(*) as "n!"
           from est_incident i join est_report r on r.id = i.report_id and r.week_start = $1
           join incident_category c on c.id = i.category_id
           left join incident_category pc on pc.id = c.parent_id
           where i.duplicate_of is null and r.municipality_id = (select id from municipality where slug = 'lindesberg')
           group by 1, 2 order by 3 desc limit 1"#,
        week.monday
    )
    .fetch_one(&app.db)
    .await
    .map(|r| (r.id, r.name, r.n))
    .expect("category");
    let path = format!("/est/lagesbild/{}", week.key());
    let all = map_total(&app.get_html(&path).await);
    assert!(all > n, "the week has other categories too");

    let page = app.get_html(&format!("{path}?kategori={category}")).await;

    assert_eq!(map_total(&page), n);
    assert!(
        texts(&page, "figure.map figcaption")[0].starts_with(&format!("{name} per område")),
        "{:?}",
        texts(&page, "figure.map figcaption")
    );
    let form = page
        .select(&sel("figure.map form[method=get]"))
        .next()
        .expect("the map's form");
    assert_eq!(
        form.value().attr("action"),
        Some(format!("{path}#karta").as_str())
    );
    // The rest of the lägesbild still counts every category.
    assert_eq!(
        rows(&page, ".counts table tbody tr")
            .iter()
            .filter_map(|r| r.rsplit(' ').next().and_then(|n| n.parse::<i64>().ok()))
            .sum::<i64>(),
        all
    );
}

/// The smallest PNG: one transparent pixel.
const TILE_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\0\x01\0\0\x05\0\x01\r\n-\xb4\0\0\0\0IEND\xaeB`\x82";

/// The demo served with a fake tile server behind it, `email` signed in:
/// the app, the tile server's address and how often it was asked.
async fn with_tile_server(
    db: sqlx::PgPool,
    email: &str,
) -> (
    TestApp,
    String,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let url = crate::serve::tile_server(TILE_PNG, hits.clone()).await;
    let app = TestApp::with_config(db, |c| {
        c.tiles = Some(crate::serve::tile_config(&url, "tiles"))
    })
    .await;
    app.login(email).await;
    (app, url, hits)
}

/// The municipality's map image as the signed-in person gets it.
async fn kommun_svg(app: &TestApp) -> String {
    app.get_text("/karta/kommun.svg").await
}

/// The background tiles a page's map draws.
fn tile_hrefs(page: &Html) -> Vec<String> {
    page.select(&sel("svg.map-svg .map-tiles image"))
        .filter_map(|i| i.value().attr("href").map(str::to_owned))
        .collect()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_background_map_comes_through_samordna_and_is_kept_on_disk(db: sqlx::PgPool) {
    let (app, url, hits) = with_tile_server(db, COORDINATOR).await;

    let page = dashboard_page(&app).await;

    // The tiles come from Samordna's own address, under the shapes.
    let tiles = tile_hrefs(&page);
    assert!(!tiles.is_empty() && tiles.len() <= 36, "{tiles:?}");
    assert!(
        tiles
            .iter()
            .all(|t| t.starts_with("/karta/plattor/") && t.ends_with(".png")),
        "{tiles:?}"
    );
    assert!(
        !page.html().contains(&url[..20]),
        "the tile server's address stays on the server"
    );
    assert_eq!(page.select(&sel("svg.map-svg path.map-area")).count(), 7);
    assert_eq!(
        texts(&page, "figure.map .map-attribution"),
        ["Bakgrundskarta: © Testkartan"]
    );
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);

    let response = app.get(&tiles[0]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(&response.bytes().await.expect("tile")[..], TILE_PNG);
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);

    // A second time it comes from the disk: the tile server is not asked.
    let again = app.get(&tiles[0]).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(&again.bytes().await.expect("tile")[..], TILE_PNG);
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Outside the world there is no tile; nobody signed in gets none.
    app.assert_status("/karta/plattor/3/8/0.png", StatusCode::NOT_FOUND)
        .await;
    let anonymous = TestApp::spawn(app.db.clone()).await;
    let response = anonymous.get(&tiles[1]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        response.headers()["location"]
            .to_str()
            .is_ok_and(|l| l.starts_with("/login"))
    );
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn when_the_tile_server_is_down_the_map_still_shows_its_shapes(db: sqlx::PgPool) {
    // An address where nothing answers.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
    };
    let url = format!("http://{closed}/{{z}}/{{x}}/{{y}}.png");
    let app = TestApp::with_config(db, |c| {
        c.tiles = Some(crate::serve::tile_config(&url, "tiles"))
    })
    .await;
    app.login(COORDINATOR).await;
    let week = three_weeks_ago();

    for path in [
        format!("/oversikt?{}", crate::dashboard::PERIOD),
        format!("/est/lagesbild/{}", week.key()),
        "/est/handelser".to_owned(),
        "/est/installningar".to_owned(),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let page = Html::parse_document(&response.text().await.expect("body"));
        assert_eq!(
            page.select(&sel("svg.map-svg path.map-area")).count(),
            7,
            "{path}"
        );
        let tiles = tile_hrefs(&page);
        assert!(!tiles.is_empty(), "{path}");

        let tile = app.get(&tiles[0]).await;
        assert_eq!(tile.status(), StatusCode::BAD_GATEWAY, "{path}");
    }
}

/// The tiles drawn under one of the picker's images (`karta` or `narbild`).
fn picker_tiles(page: &Html, image: &str) -> Vec<(String, f64, f64, f64)> {
    let input = sel(&format!("#{image}"));
    let Some(stack) = page
        .select(&sel(".map-picker-stack"))
        .find(|s| s.select(&input).next().is_some())
    else {
        return Vec::new();
    };
    stack
        .select(&sel("svg.map-picker-tiles image"))
        .map(|i| {
            let v = i.value();
            let n = |a| v.attr(a).and_then(|x| x.parse().ok()).unwrap_or(f64::NAN);
            (
                v.attr("href").unwrap_or_default().to_owned(),
                n("x"),
                n("y"),
                n("width"),
            )
        })
        .collect()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_point_picker_lies_on_the_background_map(db: sqlx::PgPool) {
    let (app, _, hits) = with_tile_server(db, SECURITAS).await;

    let page = app.get_html("/est/rapport").await;

    // The whole municipality's tiles cover the picker's 320 × 320 pixels.
    let whole = picker_tiles(&page, "karta");
    assert!(!whole.is_empty() && whole.len() <= 16, "{whole:?}");
    assert!(whole.iter().all(|t| t.0.starts_with("/karta/plattor/")));
    let covers = |tiles: &[(String, f64, f64, f64)]| {
        tiles.iter().map(|t| t.1).fold(f64::MAX, f64::min) <= 0.0
            && tiles.iter().map(|t| t.2).fold(f64::MAX, f64::min) <= 0.0
            && tiles.iter().map(|t| t.1 + t.3).fold(0.0, f64::max) >= 320.0
            && tiles.iter().map(|t| t.2 + t.3).fold(0.0, f64::max) >= 320.0
    };
    assert!(covers(&whole), "{whole:?}");
    assert_eq!(picker_tiles(&page, "narbild").len(), 0, "no close-up yet");
    assert_eq!(
        texts(&page, "#punkt .map-attribution"),
        ["Bakgrundskarta: © Testkartan"]
    );
    // The picker's own image leaves the ground to the background map.
    let svg = kommun_svg(&app).await;
    assert!(!svg.contains("<rect") && svg.contains("fill-opacity=\"0.35\""));

    // After a click the close-up has finer tiles of its own.
    let (x, y) = pixel_of(&app, 15.3667, 59.4667).await; // Frövi
    let response = send(
        &app,
        &incident_form(&app, &[("karta.x", &x), ("karta.y", &y)]).await,
    )
    .await;
    let page = Html::parse_document(&response.text().await.expect("body"));
    let near = picker_tiles(&page, "narbild");
    assert!(covers(&near), "{near:?}");
    let zoom = |t: &(String, f64, f64, f64)| {
        t.0.trim_start_matches("/karta/plattor/")
            .split('/')
            .next()
            .and_then(|z| z.parse::<u8>().ok())
            .unwrap_or(0)
    };
    assert!(zoom(&near[0]) > zoom(&whole[0]) + 2, "{near:?} {whole:?}");
    let tile = app.get(&near[0].0).await;
    assert_eq!(tile.status(), StatusCode::OK);
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn without_a_background_map_the_picker_draws_its_own_ground(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;

    let page = app.get_html("/est/rapport").await;

    assert_eq!(page.select(&sel("svg.map-picker-tiles")).count(), 0);
    assert_eq!(page.select(&sel("#punkt .map-attribution")).count(), 0);
    let svg = kommun_svg(&app).await;
    assert!(svg.contains("<rect") && !svg.contains("fill-opacity"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn without_a_map_the_report_and_tip_forms_offer_no_picker(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    // The demo has a map: the picker is offered on both forms.
    let report = app.get_html("/est/rapport").await;
    assert_eq!(report.select(&sel("#punkt input[type=image]")).count(), 1);
    let tip = app.get_html("/tips/lindesberg").await;
    assert_eq!(tip.select(&sel("#punkt input[type=image]")).count(), 1);

    // Lindesberg without an outline and without area boundaries.
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    db_run!(
        &app.db,
        "update municipality set outline = null where id = $1",
        m
    );
    db_run!(
        &app.db,
        "update area set boundary = null where municipality_id = $1",
        m
    );

    for page in [
        app.get_html("/est/rapport").await,
        app.get_html("/tips/lindesberg").await,
    ] {
        assert_eq!(page.select(&sel("#punkt")).count(), 0);
        assert!(!page.html().contains("Ingen karta"));
        // The form still carries the (empty) point and its area choice.
        assert_eq!(
            page.select(&sel("input[type=hidden][name=latitude]"))
                .count(),
            1
        );
        assert_eq!(page.select(&sel("select[name=area_id]")).count(), 1);
    }
}

/// The labels (centre, baseline, half width, text) of the `text` elements
/// matching `selector`, each a line of about 13 px text.
fn labels(page: &Html, selector: &str) -> Vec<(f64, f64, f64, String)> {
    page.select(&sel(selector))
        .filter(|t| t.value().attr("text-anchor") == Some("middle"))
        .map(|t| {
            let at = |name| {
                t.value()
                    .attr(name)
                    .and_then(|v| v.parse::<f64>().ok())
                    .expect("a position")
            };
            let text = text_of(t);
            #[allow(clippy::cast_precision_loss)]
            let half = text.chars().count() as f64 * 7.0 / 2.0;
            (at("x"), at("y"), half, text)
        })
        .collect()
}

/// No label on a map covers another. On the demo's schematic map the
/// report form's picker (320 px for the same shapes as the 560 px maps)
/// drew Storå over Guldsmedshyttan.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn no_label_on_a_map_covers_another(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let dashboard = app.get_html("/oversikt").await;
    let picker = Html::parse_document(&kommun_svg(&app).await);
    for (map, labels) in [
        (
            "the dashboard",
            labels(&dashboard, "svg.map-svg text.map-label"),
        ),
        ("the picker", labels(&picker, "text")),
    ] {
        assert!(labels.len() > 3, "{map}: {labels:?}");
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[i + 1..] {
                let apart = (a.0 - b.0).abs() >= a.2 + b.2 || (a.1 - b.1).abs() >= 13.0;
                assert!(apart, "{map}: “{}” covers “{}”", a.3, b.3);
            }
        }
    }
}

/// A click between the drawn areas (the countryside outside a village's
/// boundary) still chooses an area, as the hint promises: the nearest.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_click_between_the_areas_chooses_the_nearest_one(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    // Some three kilometres east of Frövi's drawn boundary.
    let page = clicked_at(&app, 15.4267, 59.4667).await;

    assert!(
        texts(&page, "#karta-error").is_empty(),
        "{:?}",
        texts(&page, "#karta-error")
    );
    assert!(
        !value_of(&page, "#punkt input[name=latitude]")
            .unwrap_or_default()
            .is_empty()
    );
    assert_eq!(texts(&page, "#area_id option[selected]"), ["Frövi"]);
}
