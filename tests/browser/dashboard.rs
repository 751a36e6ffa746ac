//! A Styrgrupp member opens the dashboard, whose charts fit and stay
//! readable on a phone, and reads a chart as a table.

use anyhow::Result;

use crate::app::DemoApp;
use crate::driver::Browser;

const KSO: &str = "kso@lindesberg.example";

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_styrgrupp_member_reads_a_charts_table_on_the_dashboard(db: sqlx::PgPool) {
    let app = DemoApp::start(db).await;
    let browser = Browser::open("dashboard", &app.address).await;
    let outcome = read_dashboard(&browser).await;
    browser.finish(outcome).await;
}

async fn read_dashboard(b: &Browser) -> Result<()> {
    b.sign_in(KSO).await?;

    b.step("oversikt");
    b.menu("Översikt", "/oversikt").await?;
    b.expect_text("#fig-kategori", "Händelser per kategori")
        .await?;
    b.expect_text(".kpis", "avtal i kraft").await?;
    // On a phone the charts fit the screen (their labels stay 12 px or more:
    // the driver measures every page's chart text at both widths).
    // and so does the table of goals against their targets.
    b.fits_phone("figure, table.goals").await?;

    b.step("karta");
    // The map, its legend and its table print together on one A4 page.
    let caption = b.text("figure.map figcaption").await?;
    let last_row = b.text("figure.map table tbody tr:last-child").await?;
    b.prints_on_one_page(&caption, &last_row).await?;

    b.step("tabell");
    b.find("#tabell-kategori summary").await?.click().await?;
    b.expect_text("#tabell-kategori table", "Skadegörelse")
        .await?;
    let table = b.text("#tabell-kategori table").await?;
    anyhow::ensure!(
        table.contains("Kategori") && table.contains("Händelser"),
        "the table has its headings: {table}"
    );
    Ok(())
}
