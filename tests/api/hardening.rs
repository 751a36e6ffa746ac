//! What an outside probe got through (issue 11): formulas in CSV exports,
//! unbounded work from query parameters, and personal data in free texts.

use reqwest::StatusCode;

use crate::helpers::*;

/// Cell texts a spreadsheet could run as a formula, in many spellings.
const FORMULAS: &[&str] = &[
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A9)",
    "=HYPERLINK(\"http://example.invalid\";\"Klicka här\")",
    "=cmd|' /C calc'!A0",
    "\u{200b}=1+1",
    "\u{feff}+2",
    "＝1+1",
    "＋1",
    "－1",
    "＠x",
    "﹦1",
    "−3",
    "-3",
];

/// The rows of a CSV export (semicolon-separated, with a byte-order mark).
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    let body = body.strip_prefix('\u{feff}').expect("byte-order mark");
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("csv record").iter().map(str::to_owned).collect())
        .collect()
}

async fn lindesberg(app: &TestApp) -> uuid::Uuid {
    municipality_id(&app.db, "Lindesbergs kommun").await
}

/// A top-level category and an area named `name`, for Lindesberg.
async fn category_and_area(app: &TestApp, name: &str) -> (uuid::Uuid, uuid::Uuid) {
    let m = lindesberg(app).await;
    let (category, area) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    sqlx::query!(
        "insert into incident_category (id, municipality_id, name) values ($1, $2, $3)",
        category,
        m,
        name
    )
    .execute(&app.db)
    .await
    .expect("category");
    sqlx::query!(
        "insert into area (id, municipality_id, name) values ($1, $2, $3)",
        area,
        m,
        name
    )
    .execute(&app.db)
    .await
    .expect("area");
    (category, area)
}

async fn open_report(app: &TestApp) -> (String, String) {
    let page = app.get_html("/est/rapport").await;
    let week = value_of(&page, "#handelser input[name=vecka]").expect("week");
    let org = value_of(&page, "#handelser input[name=org]").expect("organisation");
    (week, org)
}

/// Files one incident whose category, area and texts are all `text`.
async fn incident_named(app: &TestApp, week: &str, org: &str, text: &str) {
    let (category, area) = category_and_area(app, text).await;
    let yesterday = (samordna::web::today() - chrono::Days::new(1)).to_string();
    let response = app
        .post(
            "/est/rapport/handelse",
            &[
                ("vecka", week),
                ("org", org),
                ("category_id", &category.to_string()),
                ("occurred_on", &yesterday),
                ("time_band", "kvall"),
                ("area_id", &area.to_string()),
                ("place", text),
                ("description", text),
                ("insecurity", "3"),
                ("action_taken", text),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{text:?}");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_lagesbild_csv_defuses_every_formula_spelling_and_keeps_numbers_numeric(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let (week, org) = open_report(&app).await;
    for text in FORMULAS {
        incident_named(&app, &week, &org, text).await;
    }

    let coordinator = TestApp::spawn(app.db.clone()).await;
    coordinator.login(COORDINATOR).await;
    let response = coordinator.get(&format!("/est/lagesbild/{week}.csv")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let rows = csv_rows(&response.text().await.expect("csv"));
    for text in FORMULAS {
        let defused = format!("'{}", text.trim());
        let row = rows
            .iter()
            .find(|r| r[7] == defused)
            .unwrap_or_else(|| panic!("a row with description {defused:?}: {rows:?}"));
        // kategori, område, plats, beskrivning, redan gjort
        for column in [3, 5, 6, 7, 10] {
            assert_eq!(row[column], defused, "column {column} of {row:?}");
        }
        assert_eq!(row[8], "3", "otrygghet stays a number: {row:?}");
    }
    // Nothing in the file starts a formula, whoever wrote it.
    for row in &rows {
        for cell in row {
            assert!(
                !samordna::web::csv::is_dangerous(cell),
                "{cell:?} in {row:?}"
            );
        }
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_dashboard_csvs_defuse_category_area_and_group_names_and_keep_counts_numeric(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let (week, org) = open_report(&app).await;
    for text in FORMULAS {
        incident_named(&app, &week, &org, text).await;
    }
    let m = lindesberg(&app).await;
    sqlx::query!(
        "update work_group set name = '=HYPERLINK(\"http://example.invalid\")' || name where municipality_id = $1",
        m
    )
    .execute(&app.db)
    .await
    .expect("group names");

    let coordinator = TestApp::spawn(app.db.clone()).await;
    coordinator.login(COORDINATOR).await;
    for key in ["kategori", "omrade"] {
        let response = coordinator.get(&format!("/oversikt/{key}.csv")).await;
        assert_eq!(response.status(), StatusCode::OK, "{key}");
        let rows = csv_rows(&response.text().await.expect("csv"));
        for text in FORMULAS {
            let defused = format!("'{text}");
            let row = rows
                .iter()
                .find(|r| r[0] == defused)
                .unwrap_or_else(|| panic!("{key}: a row {defused:?} in {rows:?}"));
            assert_eq!(row[1], "1", "{key}: the count stays a number: {row:?}");
        }
        for row in rows.iter().skip(1) {
            assert!(row[1].parse::<i64>().is_ok(), "{key}: {row:?}");
        }
    }
    for key in ["vecka", "efterlevnad"] {
        let response = coordinator.get(&format!("/oversikt/{key}.csv")).await;
        assert_eq!(response.status(), StatusCode::OK, "{key}");
        let rows = csv_rows(&response.text().await.expect("csv"));
        assert!(rows.len() > 1, "{key}: {rows:?}");
        for row in rows.iter().skip(1) {
            assert!(!samordna::web::csv::is_dangerous(&row[0]), "{key}: {row:?}");
            assert!(row[1].parse::<i64>().is_ok(), "{key}: {row:?}");
        }
    }
    let rows = csv_rows(
        &coordinator
            .get("/oversikt/efterlevnad.csv")
            .await
            .text()
            .await
            .expect("csv"),
    );
    assert!(
        rows.iter().skip(1).all(|r| r[0].starts_with("'=HYPERLINK")),
        "{rows:?}"
    );
}
