//! An EST participant reports for the week and finds it in the lägesbild.

use anyhow::{Result, ensure};
use chrono::{Days, NaiveDate};

use crate::app::{COORDINATOR, DemoApp, SECURITAS};
use crate::driver::Browser;

const INCIDENT: &str = "Klotter på väntkuren vid resecentrum.";
const INCIDENT_CHANGED: &str = "Klotter på väntkuren vid resecentrum, sanerat samma dag.";
const EVENT: &str = "Marknadsdag på Stora torget";
const NEED: &str = "Bättre belysning i gångtunneln vid resecentrum";

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_est_participant_reports_and_sees_it_in_the_lagesbild(db: sqlx::PgPool) {
    DemoApp::browse(db, "est-report", report_week).await;
}

async fn report_week(b: &Browser) -> Result<()> {
    let today = samordna::web::today();
    b.sign_in(SECURITAS).await?;
    let week = report_incident(b, today).await?;
    report_event_and_need(b, today).await?;
    read_the_lagesbild(b, &week).await?;
    coordinator_sees_the_week(b, &week).await?;
    tables_keep_their_rows(b).await?;
    area_settings_and_incidents(b).await
}

/// Files an incident for the open week, placed on the map, and changes it;
/// the week's key.
async fn report_incident(b: &Browser, today: NaiveDate) -> Result<String> {
    b.step("est");
    b.menu("EST", "/est").await?;
    b.follow_link("Rapportera för Securitas", "/est/rapport")
        .await?;
    let week = b.value_of("#handelser input[name=vecka]").await?;

    b.step("handelse");
    b.select("#category_id", "Skadegörelse – klotter").await?;
    let occurred = (today - Days::new(2)).format("%Y-%m-%d").to_string();
    b.set_value("#occurred_on", &occurred).await?;
    b.select("#time_band", "Kväll (18–24)").await?;
    b.select("#area_id", "Lindesberg").await?;
    b.fill("#place", "resecentrum").await?;
    b.fill("#description", INCIDENT).await?;
    b.tick("#insecurity-3").await?;
    b.step("handelse-karta");
    b.click_image("#karta", "/est/rapport/handelse").await?;
    b.expect_text("#punkt-text", "Markerad punkt").await?;
    ensure!(
        b.value_of("#place").await? == "resecentrum",
        "the map click keeps what was typed"
    );
    b.fits_phone("#punkt").await?;
    b.press_and_flash(
        "Lägg till händelsen",
        "/est/rapport",
        "Händelsen är tillagd i rapporten.",
    )
    .await?;
    b.expect_text("#rapport", INCIDENT).await?;

    b.step("andra");
    b.follow_link_starting("Ändra", "/est/rapport").await?;
    b.expect_text("#handelser-title", "Ändra händelsen").await?;
    b.fill("#description", INCIDENT_CHANGED).await?;
    b.press_and_flash("Spara ändringarna", "/est/rapport", "Händelsen är ändrad.")
        .await?;
    b.expect_text("#rapport", INCIDENT_CHANGED).await?;
    Ok(week)
}

/// Adds a coming event and a need for cooperation, removes the event and
/// takes the removal back.
async fn report_event_and_need(b: &Browser, today: NaiveDate) -> Result<()> {
    b.step("kommande");
    b.fill("#title", EVENT).await?;
    let occurs = (today + Days::new(5)).format("%Y-%m-%d").to_string();
    b.set_value("#occurs_on", &occurs).await?;
    b.select("#event_area_id", "Lindesberg").await?;
    b.fill("#event_place", "Stora torget").await?;
    b.tick("#risk-medium").await?;
    b.fill("#planned_measures", "Extra ronder under eftermiddagen.")
        .await?;
    b.press_and_flash(
        "Lägg till den kommande händelsen",
        "/est/rapport",
        "Den kommande händelsen är tillagd i rapporten.",
    )
    .await?;

    b.step("samverkan");
    b.fill("#need_title", NEED).await?;
    b.fill("#with_whom", "Samhällsbyggnadsförvaltningen")
        .await?;
    b.press_and_flash(
        "Lägg till samverkansbehovet",
        "/est/rapport",
        "Samverkansbehovet är tillagt i rapporten.",
    )
    .await?;
    b.expect_text("#rapport", EVENT).await?;
    b.expect_text("#rapport", NEED).await?;
    b.fits_phone("form, .entry-card").await?;
    b.taps_fit_a_thumb(
        "main button, main .form .choice label, main .form .checkbox label, main .entry-actions a",
    )
    .await?;

    b.step("angra");
    b.press(
        &format!("Ta bort den kommande händelsen {occurs}"),
        "/est/rapport",
    )
    .await?;
    b.expect_text(
        ".flash.undo",
        "Den kommande händelsen är borttagen ur rapporten.",
    )
    .await?;
    b.press_and_flash(
        "Ångra borttagningen",
        "/est/rapport",
        "Posten är tillbaka i rapporten.",
    )
    .await?;
    b.expect_text("#rapport", EVENT).await?;
    Ok(())
}

/// The report in the week's lägesbild; the account page.
async fn read_the_lagesbild(b: &Browser, week: &str) -> Result<()> {
    b.step("lagesbild");
    b.visit(&format!("/est/lagesbild/{week}")).await?;
    b.expect_text("table.incidents", INCIDENT_CHANGED).await?;
    b.expect_text("#kommande", EVENT).await?;
    b.expect_text("#samverkan", NEED).await?;

    b.step("konto");
    b.menu("Mitt konto", "/konto").await?;
    b.expect_text("header .who", "Lindesbergs kommun").await?;
    b.follow_link("Tillgänglighetsredogörelse", "/tillganglighet")
        .await?;
    b.menu("EST", "/est").await?;
    Ok(())
}

/// The coordinator sees who has reported, locks and unlocks, and prints
/// the lägesbild's map on one page.
async fn coordinator_sees_the_week(b: &Browser, week: &str) -> Result<()> {
    b.step("status");
    b.sign_out().await?;
    b.sign_in(COORDINATOR).await?;
    b.step("status");
    b.menu("EST", "/est").await?;
    b.expect_text("table", "Har rapporterat").await?;
    let open = b.text("table").await?;
    ensure!(
        !open.contains("Lås upp"),
        "an open week offers no unlock: {open}"
    );
    b.visit(&format!("/est?vecka={week}")).await?;
    b.follow_link("Föregående", "/est").await?;
    b.expect_text("table", "Låst").await?;
    b.expect_text("table", "Lås upp").await?;

    b.step("lagesbild-samordnare");
    b.visit(&format!("/est/lagesbild/{week}")).await?;
    b.expect_text("#samverkan", NEED).await?;
    b.fits_phone("table, figure.map").await?;
    // The map, its legend and its table print together on one A4 page.
    let caption = b.text("figure.map figcaption").await?;
    let last_row = b.text("figure.map table tbody tr:last-child").await?;
    b.prints_on_one_page(&caption, &last_row).await?;
    Ok(())
}

/// Earlier weeks: the category table and the area table keep their own
/// row heights.
async fn tables_keep_their_rows(b: &Browser) -> Result<()> {
    b.step("lagesbild-forra-veckan");
    // A week with more categories than areas (or the other way round): the
    // category table and the map's area table each keep their rows' own
    // height, whichever is longer.
    let mut tables = Vec::new();
    for _ in 0..6 {
        b.follow_link_starting("‹ Föregående vecka", "/est/lagesbild/*")
            .await?;
        tables = b
            .row_heights(".counts table, figure.map .map-table")
            .await?;
        if tables.len() == 2 && tables[0].0 != tables[1].0 {
            break;
        }
    }
    ensure!(
        tables.len() == 2 && tables[0].0 != tables[1].0,
        "a week with a category table and an area table of different lengths: {tables:?}"
    );
    ensure!(
        tables.iter().all(|(_, tallest)| *tallest < 48.0),
        "no row stretches to the other table's length: {tables:?}"
    );
    Ok(())
}

/// A file that is not GeoJSON is refused; the incident list sorts, pages
/// and filters.
async fn area_settings_and_incidents(b: &Browser) -> Result<()> {
    b.step("omraden-karta");
    b.visit("/est/installningar").await?;
    b.expect_text("figure.map figcaption", "Schematisk karta")
        .await?;
    let bad = std::env::temp_dir().join(format!("samordna-{}.geojson", std::process::id()));
    std::fs::write(&bad, "Frövi;15.3;59.4")?;
    b.choose_file("#geojson", &bad).await?;
    b.press("Ladda upp gränserna", "/est/installningar/granser")
        .await?;
    b.expect_text("#geojson-error", "inte GeoJSON").await?;
    // The areas' and the categories' tables stack on a phone.
    b.fits_phone("figure.map, table").await?;

    b.step("handelser");
    b.visit("/est/handelser?sort=otrygghet&ordning=stigande&sida=2")
        .await?;
    b.expect_text("#visar", "Visar 51–100 av").await?;
    b.select("#org", "Securitas").await?;
    b.press("Visa", "/est/handelser").await?;
    b.expect_text("#visar", "Visar 1–").await?;
    b.expect_text("table.incident-list", "Securitas").await?;
    b.fits_phone("table, form").await?;
    Ok(())
}
