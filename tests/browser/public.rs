//! The coordinator keeps the register of medborgarlöften and turns the
//! municipality's public page on; a member of the public reads it without
//! signing in, on a phone and on paper. Every page passes axe and the Nu
//! checker.

use anyhow::{Result, bail};

use crate::app::{COORDINATOR, DemoApp};
use crate::driver::Browser;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_public_reads_the_promises_and_the_measures(db: sqlx::PgPool) {
    DemoApp::browse(db, "public-page", public_page).await;
}

async fn public_page(b: &Browser) -> Result<()> {
    b.sign_in(COORDINATOR).await?;
    b.step("register");
    b.visit("/planering").await?;
    b.follow_link("Medborgarlöften", "/planering/medborgarloften")
        .await?;
    b.press("Spara medborgarlöftet", "/planering/medborgarloften")
        .await?;
    b.expect_text("#title-error", "Fyll i rubriken.").await?;
    b.follow_link(
        "Tryggare kvällar vid resecentrum",
        "/planering/medborgarloften/*",
    )
    .await?;
    b.expect_text("dl.facts", "och kommunstyrelsens ordförande")
        .await?;

    b.step("turn-on");
    b.visit("/planering").await?;
    b.tick("#public_page").await?;
    b.press("Spara inställningarna", "/planering").await?;
    b.expect_text("#installningar + p", "/offentligt/lindesberg")
        .await?;
    b.sign_out().await?;

    b.step("public");
    b.visit("/offentligt/lindesberg").await?;
    b.expect_text("article.promise h3", "Tryggare kvällar vid resecentrum")
        .await?;
    b.expect_text("table.quarters", "Lindesberg").await?;
    b.fits_phone("main").await?;
    let (pages, text) = b.print_a4().await?;
    if pages > 2 || !text.contains("Händelser per område") {
        bail!("the public page prints on {pages} A4 pages: {text}");
    }
    Ok(())
}
