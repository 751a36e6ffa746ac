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
    app.client
        .post(app.url("/est/installningar/granser"))
        .multipart(form)
        .send()
        .await
        .expect("POST")
}

/// The stored boundary of an area of Lindesberg, as GeoJSON text.
async fn boundary(app: &TestApp, area: &str) -> (Option<serde_json::Value>, bool) {
    let row = sqlx::query!(
        r#"select boundary, boundary_schematic from area
           where name = $1 and municipality_id = (select id from municipality where slug = 'lindesberg')"#,
        area
    )
    .fetch_one(&app.db)
    .await
    .expect("area");
    (row.boundary, row.boundary_schematic)
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_demo_areas_have_schematic_boundaries_and_the_page_says_so(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;

    let page = app.get_html("/est/installningar").await;

    assert!(
        texts(&page, "#karta ~ figure.map figcaption .tag")
            .contains(&"Schematisk karta".to_owned())
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
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
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
    let audit = sqlx::query_scalar!("select summary from audit_event where action = 'laddade upp'")
        .fetch_all(&app.db)
        .await
        .expect("audit");
    assert_eq!(audit, vec!["Gränser för Frövi".to_owned()]);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_municipality_outline_is_uploaded_the_same_way(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let file = collection(&[square("Lindesbergs kommun", 14.9, 59.3, 0.9)]);

    let response = upload(&app, "kommun", file).await;

    assert_redirect_to(&response, "/est/installningar#karta");
    let row = sqlx::query!(
        "select outline, outline_schematic from municipality where slug = 'lindesberg'"
    )
    .fetch_one(&app.db)
    .await
    .expect("row");
    assert!(!row.outline_schematic);
    assert_eq!(
        row.outline.expect("outline")["coordinates"][0][0][0][0],
        14.9
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_bad_file_is_refused_next_to_the_field_and_changes_nothing(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
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

        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}"
        );
        let page = Html::parse_document(&response.text().await.expect("body"));
        let errors = texts(&page, "#geojson-error");
        assert!(
            errors.iter().any(|e| e.contains(message)),
            "{what}: {errors:?}"
        );
        assert_eq!(
            page.select(&sel("input#geojson[aria-invalid=true]"))
                .count(),
            1,
            "{what}"
        );
    }
    assert_eq!(boundary(&app, "Frövi").await, before);
    let audit = sqlx::query_scalar!(
        r#"select count(*) as "n!" from audit_event where action = 'laddade upp'"#
    )
    .fetch_one(&app.db)
    .await
    .expect("audit");
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
    let app = TestApp::demo(db).await;
    app.login(NORA_COORDINATOR).await;

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

/// The map's table rows (area and count) and each drawn area's class.
fn map_rows(page: &Html) -> Vec<String> {
    rows(page, "figure.map table tbody tr")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_dashboard_map_counts_the_periods_incidents_per_area(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    crate::dashboard::fixture(&app).await;
    app.login(COORDINATOR).await;

    let page = app
        .get_html(&format!("/oversikt?{}", crate::dashboard::PERIOD))
        .await;

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
    assert!(texts(&page, "svg.map-svg text").contains(&"Lindesberg: 2".to_owned()));
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
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let week = samordna::est::week::ReportWeek::containing(
        samordna::web::today() - chrono::Days::new(21),
        1,
    );
    let expected: Vec<String> = sqlx::query_scalar!(
        r#"select a.name || ' ' || count(i.id) as "row!"
           from area a
           left join (est_incident i join est_report r on r.id = i.report_id and r.week_start = $1)
                  on i.area_id = a.id and i.duplicate_of is null
           where a.municipality_id = (select id from municipality where slug = 'lindesberg')
           group by a.name order by count(i.id) desc, a.name"#,
        week.monday
    )
    .fetch_all(&app.db)
    .await
    .expect("counts");

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
