//! The coordinator schedules a LindeBRÅ meeting and sends the kallelse,
//! looks at the group's calendar address and plans a term; records a past
//! meeting and approves its minutes after the preview.

use anyhow::{Result, ensure};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use samordna::meetings::calendar::holiday_name;

use crate::app::{COORDINATOR, DemoApp};
use crate::driver::Browser;

/// A working day about 30 days ahead (not a weekend or a public holiday).
fn meeting_day() -> NaiveDate {
    let mut day = samordna::web::today() + Days::new(30);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || holiday_name(day).is_some() {
        day = day + Days::new(1);
    }
    day
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_schedules_a_lindebra_meeting_and_sends_the_kallelse(db: sqlx::PgPool) {
    let app = DemoApp::start(db).await;
    let browser = Browser::open("meeting", &app.address).await;
    let outcome = schedule_and_send(&browser, &app).await;
    browser.finish(outcome).await;
}

async fn schedule_and_send(b: &Browser, app: &DemoApp) -> Result<()> {
    b.sign_in(COORDINATOR).await?;

    b.step("moten");
    b.menu("Möten", "/moten").await?;
    // The month is a list of days on a phone: the weekend is not off-screen.
    b.fits_phone("table.month").await?;
    b.follow_link("Nytt möte", "/moten/ny").await?;

    b.step("nytt-mote");
    let day = meeting_day().format("%Y-%m-%d").to_string();
    b.select("#group_id", "LindeBRÅ").await?;
    b.set_value("#date", &day).await?;
    b.set_value("#time", "13:00").await?;
    b.fill("#duration", "120").await?;
    b.tick("#form-in_person").await?;
    b.fill("#place", "Kommunhuset, sammanträdesrum Linde")
        .await?;
    b.fill(
        "#agenda",
        "Lägesbild från EST\nUppföljning av åtgärdsplanen\nÖvriga frågor",
    )
    .await?;

    // The meeting turns digital, with a link the browser takes but the app
    // does not: refused next to its field, with everything else as typed.
    b.step("nytt-mote-fel");
    b.tick("#form-online").await?;
    b.fill("#meeting_link", "http://teams.example/lindebra")
        .await?;
    b.press("Planera mötet", "/moten/ny").await?;
    b.expect_text("#meeting_link-error", "börjar med https://")
        .await?;
    b.expect_text(".error-summary", "börjar med https://")
        .await?;
    for (field, typed) in [
        ("#date", day.as_str()),
        ("#time", "13:00"),
        ("#duration", "120"),
        ("#place", "Kommunhuset, sammanträdesrum Linde"),
        ("#meeting_link", "http://teams.example/lindebra"),
    ] {
        let kept = b.value_of(field).await?;
        ensure!(kept == typed, "{field} holds “{kept}”, not “{typed}”");
    }
    b.expect_text("#agenda", "Uppföljning av åtgärdsplanen")
        .await?;

    b.step("nytt-mote-rattat");
    b.fill("#meeting_link", "https://teams.example/lindebra")
        .await?;
    let meeting = b
        .press_and_flash("Planera mötet", "/moten/*", "Mötet är planerat.")
        .await?;
    b.expect_text("h1", "LindeBRÅ").await?;
    b.expect_text("ol.agenda", "Uppföljning av åtgärdsplanen")
        .await?;

    b.step("kallelse");
    b.press_and_flash(
        "Skicka kallelse",
        &meeting,
        "Kallelsen till 8 personer sparades på servern men skickades inte",
    )
    .await?;
    b.expect_text(".flash.warning", "Observera:").await?;

    let mails = app.mails();
    let subject = format!("Kallelse: LindeBRÅ {day} kl. 13:00");
    ensure!(
        mails.len() == 8 && mails.iter().all(|(_, s)| *s == subject),
        "expected 8 mails “{subject}” in {}, found {mails:#?}",
        app.mail_dir.display()
    );
    let mut recipients: Vec<&str> = mails.iter().map(|(to, _)| to.as_str()).collect();
    recipients.dedup();
    ensure!(recipients.len() == 8, "one mail per person: {recipients:?}");
    b.expect_text(".lead .invited", "Kallelse sparad utan e-post")
        .await?;
    b.find("a[href$='/kalender.ics']").await?;

    b.step("forhinder");
    b.press_and_flash("Anmäl förhinder", &meeting, "Förhinder är anmält")
        .await?;
    b.expect_text(".excused", "Brottsförebyggande samordnare")
        .await?;
    b.press_and_flash("Ta tillbaka förhindret", &meeting, "återtaget")
        .await?;

    b.step("gruppens-kalender");
    b.follow_link("LindeBRÅ", "/grupper/*").await?;
    let address = b.value_of("#group-feed-url").await?;
    ensure!(
        address.contains("/kalender/grupp/"),
        "the feed address in its field: {address}"
    );
    ensure!(
        b.find("button[data-copy]").await?.is_displayed().await?,
        "the script shows the Kopiera button"
    );

    b.step("planera");
    b.visit("/moten/planera").await?;
    b.select("#grupp", "LindeBRÅ").await?;
    b.press("Visa förslag", "/moten/planera").await?;
    // The demo has planned the coming year already.
    b.expect_text("#proposal-title + form .notice", "Allt är redan planerat")
        .await?;
    b.step("planera-hosten");
    b.select("#termin", "våren 2028").await?;
    b.press("Visa förslag", "/moten/planera").await?;
    b.find("#proposal-title + form input[type=checkbox]")
        .await?;
    b.press_and_flash("Spara valda möten", "/moten", "planerade")
        .await?;
    Ok(())
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_records_a_past_meeting_and_approves_the_minutes_after_a_preview(
    db: sqlx::PgPool,
) {
    DemoApp::browse(db, "minutes", record_and_approve).await;
}

async fn record_and_approve(b: &Browser) -> Result<()> {
    b.sign_in(COORDINATOR).await?;

    b.step("bakat-i-tiden");
    b.visit("/moten/ny").await?;
    let day = (samordna::web::today() - Days::new(2))
        .format("%Y-%m-%d")
        .to_string();
    b.select("#group_id", "LindeBRÅ").await?;
    b.set_value("#date", &day).await?;
    b.set_value("#time", "13:00").await?;
    b.fill("#duration", "60").await?;
    b.press("Planera mötet", "/moten/ny").await?;
    b.expect_text("#past_ok-error", "Mötets tid har redan passerat")
        .await?;
    b.tick("#past_ok").await?;
    let meeting = b
        .press_and_flash("Planera mötet", "/moten/*", "ingen kallelse skickas")
        .await?;

    b.step("protokoll");
    b.select("#protokoll select", "Närvarande").await?;
    b.fill("#notes", "Lägesbilden gicks igenom.").await?;
    b.press_and_flash(
        "Spara närvaro och anteckningar",
        &meeting,
        "Närvaro och anteckningar är sparade.",
    )
    .await?;

    b.step("justera");
    b.follow_link("Justera protokollet", "/moten/*/justera")
        .await?;
    b.expect_text("#approvers-title + p", "sammankallande")
        .await?;
    b.press_and_flash(
        "Bekräfta och justera protokollet",
        &meeting,
        "Protokollet är justerat",
    )
    .await?;
    Ok(())
}
