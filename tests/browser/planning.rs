//! The coordinator follows the plan up: a measure's progress, a goal's
//! outcome, and a periodic lägesbild compiled for the last quarter. Every
//! page passes axe and the Nu checker and is photographed at both widths.

use anyhow::Result;

use crate::app::{COORDINATOR, DemoApp};
use crate::driver::Browser;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_follows_up_measures_goals_and_the_lagesbild(db: sqlx::PgPool) {
    DemoApp::browse(db, "planning", follow_up).await;
}

async fn follow_up(b: &Browser) -> Result<()> {
    b.sign_in(COORDINATOR).await?;

    b.step("planering");
    b.menu("Planering", "/planering").await?;
    b.fits_phone("table").await?;

    b.step("atgard");
    b.follow_link(
        "Gemensamma kvällsronder polis och Securitas",
        "/planering/atgarder/*",
    )
    .await?;
    b.fill("#note", "Fyra ronder i november, två med Securitas.")
        .await?;
    b.fill("#percent_done", "60").await?;
    b.select("#status", "Pågår").await?;
    b.press_and_flash(
        "Spara uppföljningen",
        "/planering/atgarder/*",
        "Uppföljningen är sparad.",
    )
    .await?;
    b.expect_text("ul.entries", "Fyra ronder i november")
        .await?;
    b.fits_phone("form").await?;

    b.step("mal");
    b.menu("Planering", "/planering").await?;
    b.follow_link_starting("Vision:", "/planering/mal/*")
        .await?;
    b.fill("#value", "7 av 10 känner sig trygga").await?;
    b.fill("#note", "Trygghetsundersökningen hösten 2026.")
        .await?;
    b.press_and_flash(
        "Spara uppföljningen",
        "/planering/mal/*",
        "Uppföljningen är sparad.",
    )
    .await?;
    b.expect_text("table", "7 av 10 känner sig trygga").await?;

    b.step("lagesbild");
    b.menu("Planering", "/planering").await?;
    b.find("#lagesbilder ~ details summary")
        .await?
        .click()
        .await?;
    let today = samordna::web::today();
    let from = today - chrono::Days::new(90);
    b.fill("#lb_title", "Lägesbild hösten 2026").await?;
    b.set_value("#period_from", &from.to_string()).await?;
    b.set_value("#period_to", &today.to_string()).await?;
    b.fill("#analysis", "Oron gäller främst centrum kvällstid.")
        .await?;
    b.press("Sammanställ", "/planering/lagesbild/*").await?;
    b.expect_text("h1", "Lägesbild hösten 2026").await?;
    b.expect_text("main", "Oron gäller främst centrum kvällstid.")
        .await?;
    Ok(())
}
