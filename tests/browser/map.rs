//! With a background map configured, every map draws its tiles, fetched
//! through Samordna's own address, under its shapes: the point picker of
//! the report form and its close-up, the weekly lägesbild, the incident
//! list and the dashboard. The pages pass axe-core and the Nu checker with
//! the tiles in them, and the tiles line up with the shapes.

use anyhow::{Result, ensure};

use crate::app::{COORDINATOR, DemoApp, SECURITAS};
use crate::driver::Browser;

/// A tile of 16 × 16 pixels: light green with a darker line along its top
/// and left edges, so that the screenshots show where the tiles meet.
const TILE: &[u8] = include_bytes!("tile.png");

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_maps_lie_on_the_background_map(db: sqlx::PgPool) {
    let url = crate::serve::tile_server(TILE, Default::default()).await;
    let app = DemoApp::start_with(db, |c| {
        c.tiles = Some(crate::serve::tile_config(&url, "browser-tiles"));
    })
    .await;
    let browser = Browser::open("background-map", &app.address).await;
    let outcome = visit_maps(&browser).await;
    browser.finish(outcome).await;
}

async fn visit_maps(b: &Browser) -> Result<()> {
    b.sign_in(SECURITAS).await?;

    b.step("rapport");
    b.visit("/est/rapport").await?;
    let whole = b.drawn("svg.map-picker-tiles image").await?;
    ensure!(whole > 0, "the picker lies on the background map");
    b.expect_text("#punkt .map-attribution", "© Testkartan")
        .await?;
    b.step("rapport-narbild");
    b.click_image("#karta", "/est/rapport/handelse").await?;
    b.expect_text("#punkt-text", "Markerad punkt").await?;
    ensure!(
        b.drawn("svg.map-picker-tiles image").await? > whole,
        "the close-up has tiles of its own"
    );
    b.fits_phone("#punkt").await?;
    b.sign_out().await?;

    b.sign_in(COORDINATOR).await?;
    let week = samordna::est::week::ReportWeek::containing(
        samordna::web::today() - chrono::Days::new(7),
        1,
    );
    for (step, path) in [
        ("lagesbild", format!("/est/lagesbild/{}", week.key())),
        ("handelser", "/est/handelser".to_owned()),
        ("oversikt", "/oversikt".to_owned()),
    ] {
        b.step(step);
        b.visit(&path).await?;
        ensure!(
            b.drawn("svg.map-svg .map-tiles image").await? > 0,
            "{path}: tiles under the map"
        );
        b.expect_text("figure.map .map-attribution", "© Testkartan")
            .await?;
    }
    Ok(())
}
