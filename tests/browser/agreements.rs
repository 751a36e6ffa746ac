//! A cooperation agreement registered in the browser, sent for signing,
//! signed by the kommundirektör and the KSO and by the counterpart, is in
//! force.

use anyhow::{Context, Result};
use samordna::agreements::demo::DEMO_PDF;

use crate::app::{COORDINATOR, DEMO_PASSWORD, DIRECTOR, DemoApp, KSO};
use crate::driver::Browser;

const TITLE: &str = "Samverkansavtal om trygg handel i centrum";

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_kommundirektor_and_the_kso_sign_and_the_agreement_is_in_force(db: sqlx::PgPool) {
    let app = DemoApp::start(db).await;
    let pdf = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("avtal-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&pdf, DEMO_PDF).expect("write the demo PDF");
    let browser = Browser::open("agreement", &app.address).await;
    let outcome = register_and_sign(&browser, &pdf).await;
    browser.finish(outcome).await;
    let _ = std::fs::remove_file(&pdf);
}

async fn register_and_sign(b: &Browser, pdf: &std::path::Path) -> Result<()> {
    b.sign_in(COORDINATOR).await?;

    b.step("avtal");
    b.menu("Avtal", "/avtal").await?;
    b.follow_link("Registrera avtal", "/avtal/ny").await?;

    b.step("registrera");
    b.select("#type_id", "Samverkansavtal").await?;
    b.select("#counterpart_id", "Lindesbergs Köpmannaförening")
        .await?;
    b.fill("#title", TITLE).await?;
    b.fill("#registry_no", "KS 2026/201").await?;
    b.tick_group_with_role("Arbetsgrupp trygg stationsmiljö", "Ledamot")
        .await?;
    b.fill("#purposes", "Trygg handel och färre stölder i centrum.")
        .await?;
    b.fill("#areas", "Stora torget och Kungsgatan.").await?;
    b.fill("#contact_people", "Köpmannaföreningens ordförande")
        .await?;
    b.choose_file("#document", pdf).await?;
    let agreement = b
        .press_and_flash(
            "Registrera avtalet",
            "/avtal/*",
            "Avtalet är registrerat som utkast.",
        )
        .await?;
    b.expect_text(".lead .state", "Utkast").await?;
    let file_name = pdf
        .file_name()
        .and_then(|n| n.to_str())
        .context("the PDF's file name")?;
    b.expect_text(".facts", file_name).await?;
    b.expect_text(".facts", "Arbetsgrupp trygg stationsmiljö (Ledamot)")
        .await?;

    b.step("skicka");
    b.press("Skicka för signering", &agreement).await?;
    b.expect_text(".lead .state", "Väntar på signaturer")
        .await?;
    b.sign_out().await?;

    sign_as(
        b,
        DIRECTOR,
        "Du har signerat. Avtalet väntar på övriga signaturer.",
    )
    .await?;
    b.sign_out().await?;
    sign_as(
        b,
        KSO,
        "Kommunens signaturer är klara; avtalet gäller när motpartens signatur är registrerad.",
    )
    .await?;
    b.follow_link(TITLE, &agreement).await?;
    b.expect_text(".lead .state", "Väntar på motpartens signatur")
        .await?;
    b.sign_out().await?;

    // The coordinator's start page says what is missing and leads to the
    // form; the coordinator registers the counterpart's signature on paper.
    b.sign_in(COORDINATOR).await?;
    b.follow_link_starting(
        &format!("Avtalet {TITLE} är signerat av kommunen och väntar på att signaturen från"),
        &agreement,
    )
    .await?;
    b.step("motpart");
    b.fill("#signer_name", "Stina Handlare").await?;
    b.fill("#signer_title", "Ordförande").await?;
    b.set_value("#signed_on", &samordna::web::today().to_string())
        .await?;
    b.press_and_flash(
        "Registrera motpartens signatur",
        &agreement,
        "Motpartens signatur är registrerad. Avtalet är i kraft.",
    )
    .await?;

    b.step("i-kraft");
    b.expect_text(".lead .state", "I kraft").await?;
    Ok(())
}

/// Signs in as a signatory, finds the agreement under “Att signera” and
/// signs it with the password; the receipt says `confirmation`.
/// The receipt's breadcrumb leads back to the agreement.
async fn sign_as(b: &Browser, email: &str, confirmation: &str) -> Result<()> {
    b.sign_in(email).await?;
    let who = email.split('@').next().unwrap_or(email);
    b.step(&format!("att-signera-{who}"));
    b.menu("Avtal", "/avtal").await?;
    b.follow_link_starting("Att signera", "/avtal/att-signera")
        .await?;
    b.follow_link(TITLE, "/avtal/*").await?;

    b.step(&format!("signera-{who}"));
    b.fill("#password", DEMO_PASSWORD).await?;
    b.press_and_flash("Signera avtalet", "/avtal/*/kvitto/*", confirmation)
        .await?;
    b.expect_text(".receipt", TITLE).await?;
    // The receipt prints on one A4 page, without the site's menu.
    let (pages, text) = b.print_a4().await?;
    anyhow::ensure!(pages == 1, "the receipt prints on {pages} pages");
    anyhow::ensure!(
        text.contains("Signaturkvitto") && !text.contains("Logga ut"),
        "the printed receipt: {text}"
    );
    Ok(())
}
