//! A Styrgrupp member opens the dashboard, whose charts fit and stay
//! readable on a phone, and reads a chart as a table.

use anyhow::Result;

use crate::app::{DemoApp, KSO};
use crate::driver::Browser;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_styrgrupp_member_reads_a_charts_table_on_the_dashboard(db: sqlx::PgPool) {
    kolada_values(&db).await;
    DemoApp::browse(db, "dashboard", read_dashboard).await;
}

/// Ten years of Kolada's reported crimes per 100 000 inhabitants for
/// Lindesberg (1885), Örebro län (0018) and the country, one year missing
/// for Lindesberg.
async fn kolada_values(db: &sqlx::PgPool) {
    sqlx::query(
        "insert into kolada_value (area_id, kpi, year, value)
         select a, 'N07540', y, base - (y - 2016) * 180 + (y % 3) * 140
         from (values ('1885', 8900), ('0018', 10800), ('0000', 13900)) as t(a, base),
              generate_series(2016, 2025) as y
         where not (a = '1885' and y = 2019)",
    )
    .execute(db)
    .await
    .expect("Kolada values");
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
    b.expect_text("#kolada-title", "Anmälda brott totalt per 100 000 invånare")
        .await?;
    b.expect_text("#kolada .meta", "Källa: Kolada").await?;

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
