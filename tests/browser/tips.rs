//! A member of the public tips the municipality from a phone-sized page
//! without JavaScript or signing in; the coordinator accepts the tip and
//! finds it in the lägesbild. Every page passes axe and the Nu checker.

use anyhow::Result;

use crate::app::{COORDINATOR, DemoApp};
use crate::driver::Browser;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_tip_from_the_public_reaches_the_lagesbild(db: sqlx::PgPool) {
    DemoApp::browse(db, "public-tip", tip).await;
}

async fn tip(b: &Browser) -> Result<()> {
    b.step("formular");
    b.visit("/tips/lindesberg").await?;
    b.fits_phone("form").await?;
    b.press("Skicka tipset", "/tips/lindesberg").await?;
    b.expect_text("#category_id-error", "Välj vad det gäller.")
        .await?;

    b.step("skicka");
    b.select("#category_id", "Otrygg plats").await?;
    b.select("#area_id", "Frövi").await?;
    b.fill("#place", "gångtunneln vid stationen").await?;
    let today = samordna::web::today().format("%Y-%m-%d").to_string();
    b.set_value("#occurred_on", &today).await?;
    b.fill(
        "#description",
        "Belysningen i tunneln är trasig sedan en vecka.",
    )
    .await?;
    // A person takes longer than the form's minimum fill-in time.
    tokio::time::sleep(std::time::Duration::from_millis(3200)).await;
    b.press("Skicka tipset", "/tips/lindesberg").await?;
    b.expect_text("h1", "Tack för ditt tips").await?;
    let reference = b.text(".reference").await?;

    b.step("affisch");
    b.visit("/tips/lindesberg/affisch").await?;
    b.expect_text(".poster .address", "/tips/lindesberg")
        .await?;

    b.step("granska");
    b.sign_in(COORDINATOR).await?;
    b.visit("/est").await?;
    b.follow_link("Tips från allmänheten", "/est/tips").await?;
    b.expect_text(".tip h3", &reference).await?;
    b.fits_phone(".tip").await?;
    b.press_and_flash(
        &format!("Godkänn {reference}"),
        "/est/tips",
        "under Allmänheten",
    )
    .await?;
    b.follow_link_starting("lägesbilden", "/est/lagesbild/*")
        .await?;
    b.expect_text("#allmanheten", &reference).await?;
    Ok(())
}
