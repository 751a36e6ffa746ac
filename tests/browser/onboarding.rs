//! The first 30 minutes (issue 14 item 3): the operator creates a
//! municipality from an uploaded template and invites its coordinator; the
//! coordinator follows the invitation link and walks the start page's
//! checklist, step by step, until a participant has filed the first EST
//! report.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};

use crate::app::{DEMO_PASSWORD, DemoApp};
use crate::driver::Browser;

const OPERATOR: &str = "drift@samordna.example";
const COORDINATOR: &str = "samordnare@ekby.example";
const PARTICIPANT: &str = "est.polisen@ekby.example";
const NEW_PASSWORD: &str = "rostig cykel under grön bro";

/// A small structure, as a municipality would upload it: a styrgrupp, an
/// EST, the coordinator, two signatories and one participant.
const TEMPLATE: &str = r#"{
  "format": "samordna-mall", "version": 1, "name": "Ekbys struktur",
  "description": "Styrgrupp och EST.",
  "guideline": {"title": "Riktlinje för brottsförebyggande arbete", "adopted_by": "", "adopted_on": null,
                "registry_no": "", "owner": "", "review_due": null},
  "settings": {"report_interval_weeks": 1, "retention_months": 24, "agreement_warning_days": 90,
               "action_plan_body": "styrgrupp", "lagesbild_interval_months": 12},
  "organisations": [
    {"name": "Kommunledningsförvaltningen", "kind": "forvaltning"},
    {"name": "Kommunstyrelsen", "kind": "politiskt_organ"},
    {"name": "Polisen", "kind": "polis"},
    {"name": "Ekby Handelsförening", "kind": "forening", "external": true}
  ],
  "positions": [
    {"title": "Samordnare", "organisation": "Kommunledningsförvaltningen", "grants_admin": true},
    {"title": "Kommundirektör", "organisation": "Kommunledningsförvaltningen"},
    {"title": "Kommunstyrelsens ordförande", "organisation": "Kommunstyrelsen"},
    {"title": "EST-representant polisen", "organisation": "Polisen"}
  ],
  "groups": [
    {"name": "Styrgrupp", "tier": "styrgrupp",
     "cadence": {"kind": "per_half_year", "per_half_year": 2, "weekday": 4, "start_time": "13:00",
                 "duration_minutes": 90, "form": "in_person", "places": ["Kommunhuset"]},
     "members": [{"position": "Kommundirektör", "role": "convener"},
                 {"position": "Kommunstyrelsens ordförande", "role": "member"}]},
    {"name": "EST", "tier": "permanent", "weekly_reporting": true,
     "cadence": {"kind": "weekly", "weekday": 2, "start_time": "09:00", "duration_minutes": 30, "form": "online"},
     "members": [{"position": "Samordnare", "role": "convener"},
                 {"position": "EST-representant polisen", "role": "member"}]}
  ],
  "areas": ["Centrum"],
  "incident_categories": [{"name": "Skadegörelse"}],
  "agreement_types": [{"key": "samverkansavtal", "name": "Samverkansavtal",
                       "signatories": ["Kommundirektör", "Kommunstyrelsens ordförande"]}]
}"#;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_new_coordinator_is_led_from_the_invitation_to_the_first_est_report(db: sqlx::PgPool) {
    let app = DemoApp::start(db.clone()).await;
    operator_with_demo_password(&db).await;
    let browser = Browser::open("onboarding", &app.address).await;
    let outcome = first_thirty_minutes(&browser, &app).await;
    browser.finish(outcome).await;
}

async fn operator_with_demo_password(db: &sqlx::PgPool) {
    samordna::operator::add_operator(db, OPERATOR, "Driftansvarig", 7)
        .await
        .expect("operator");
    sqlx::query(
        "update person set must_change_password = false, one_time_password_expires_at = null,
                password_hash = (select password_hash from person where email = 'samordnare@lindesberg.example')
         where email = $1",
    )
    .bind(OPERATOR)
    .execute(db)
    .await
    .expect("operator's password");
}

async fn first_thirty_minutes(b: &Browser, app: &DemoApp) -> Result<()> {
    let link = create_and_invite(b, app).await?;
    accept_invitation(b, &link).await?;
    review_steps(b).await?;
    let one_time = people(b).await?;
    agreement(b).await?;
    term(b).await?;
    first_report(b, &one_time).await
}

/// The operator makes Ekby from the uploaded template and invites its
/// coordinator; the link from the invitation mail.
async fn create_and_invite(b: &Browser, app: &DemoApp) -> Result<String> {
    b.step("drift");
    b.sign_in_with(OPERATOR, DEMO_PASSWORD, "/drift").await?;
    b.follow_link("Skapa en ny kommun från en mall", "/drift/ny-kommun")
        .await?;
    b.fill("#name", "Ekby kommun").await?;
    b.fill("#slug", "ekby").await?;
    b.tick("#template_fil").await?;
    b.choose_file("#template_file", &template_file()?).await?;
    b.press("Skapa kommunen", "/drift/kommuner/*").await?;
    b.step("inbjudan");
    b.fill("#name", "Eva Ek").await?;
    b.fill("#email", COORDINATOR).await?;
    b.press("Skicka inbjudan", "/drift/kommuner/*").await?;
    b.step("radera");
    b.follow_link("Radera Ekby kommun", "/drift/kommuner/*/radera")
        .await?;
    b.expect_text(".notice", "Exportera kommunen innan du raderar den.")
        .await?;
    b.sign_out().await?;
    invitation_link(app)
}

fn template_file() -> Result<PathBuf> {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ekby-mall.json");
    std::fs::write(&path, TEMPLATE)?;
    Ok(path)
}

/// The path of the link in the invitation mail to the coordinator.
fn invitation_link(app: &DemoApp) -> Result<String> {
    let body = app
        .mail_body_to(COORDINATOR)
        .context("no invitation mail to the coordinator")?;
    let start = body.find("/inbjudan/").context("no link in the mail")?;
    let token: String = body[start + "/inbjudan/".len()..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    ensure!(!token.is_empty(), "the link has a token: {body}");
    Ok(format!("/inbjudan/{token}"))
}

/// The coordinator chooses a password and meets the checklist.
async fn accept_invitation(b: &Browser, link: &str) -> Result<()> {
    b.step("lank");
    b.visit(link).await?;
    b.expect_text("h1", "Välkommen till Samordna").await?;
    b.fill("#new_password", NEW_PASSWORD).await?;
    b.fill("#new_password_repeat", NEW_PASSWORD).await?;
    b.press("Välj lösenord och logga in", "/").await?;
    b.step("checklista");
    b.expect_text(".getting-started", "0 av 8 steg är klara")
        .await?;
    b.fits_phone(".getting-started").await
}

/// Structure, organisations, areas and categories: looked through, then
/// marked done.
async fn review_steps(b: &Browser) -> Result<()> {
    b.step("struktur");
    b.follow_link("Strukturen", "/struktur").await?;
    b.expect_text("main", "Permanent arbetsgrupp EST").await?;
    b.visit("/").await?;
    b.press_and_flash(
        "Markera som klar: Struktur och befattningar",
        "/",
        "Steget är markerat som klart.",
    )
    .await?;
    b.follow_link("Organisationer", "/admin/organisationer")
        .await?;
    b.expect_text("main", "Ekby Handelsförening").await?;
    b.visit("/").await?;
    b.press("Markera som klar: Organisationer", "/").await?;
    b.follow_link("EST-inställningar", "/est/installningar")
        .await?;
    b.expect_text("main", "Centrum").await?;
    b.visit("/").await?;
    b.press("Markera som klar: Områden och kategorier", "/")
        .await?;
    b.expect_text(".getting-started", "3 av 8 steg är klara")
        .await
}

/// Three people for the three vacant seats; the participant's one-time
/// password.
async fn people(b: &Browser) -> Result<String> {
    b.step("personer");
    let mut participant = String::new();
    for (name, email, position) in [
        (
            "Karin Dahl",
            "kommundirektor@ekby.example",
            "Kommundirektör",
        ),
        (
            "Per Holm",
            "ordforande@ekby.example",
            "Kommunstyrelsens ordförande",
        ),
        ("Lena Berg", PARTICIPANT, "EST-representant polisen"),
    ] {
        b.visit("/admin/personer").await?;
        b.fill("#name", name).await?;
        b.fill("#email", email).await?;
        b.press("Lägg till person", "/admin/personer").await?;
        let flash = b.text(".flash").await?;
        if email == PARTICIPANT {
            participant = one_time_password(&flash)?;
        }
        b.visit("/admin/befattningar").await?;
        b.follow_link(position, "/admin/befattningar/*").await?;
        b.select("#person_id", &format!("{name} ({email})")).await?;
        b.press("Byt innehavare", "/admin/befattningar/*").await?;
    }
    b.visit("/").await?;
    b.expect_text(".getting-started", "5 av 8 steg är klara")
        .await?;
    Ok(participant)
}

/// "Eva Ek är tillagd. Engångslösenord: XXXX – lämna …": the password.
fn one_time_password(flash: &str) -> Result<String> {
    let after = flash
        .split_once("Engångslösenord: ")
        .context("no one-time password in the flash")?
        .1;
    Ok(after
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned())
}

/// The first agreement with the outside actor.
async fn agreement(b: &Browser) -> Result<()> {
    b.step("avtal");
    b.follow_link("Nytt avtal", "/avtal/ny").await?;
    b.select("#type_id", "Samverkansavtal").await?;
    b.select("#counterpart_id", "Ekby Handelsförening").await?;
    b.fill("#title", "Trygg handel i centrum").await?;
    b.tick_group_with_role("EST", "Adjungerad").await?;
    b.fill("#purposes", "Färre stölder och tryggare kvällar i centrum.")
        .await?;
    b.fill("#areas", "Centrum.").await?;
    let today = samordna::web::today().format("%Y-%m-%d").to_string();
    b.set_value("#valid_from", &today).await?;
    b.press("Registrera avtalet", "/avtal/*").await?;
    b.expect_text("h1", "Trygg handel i centrum").await?;
    b.visit("/").await?;
    b.expect_text(".getting-started", "6 av 8 steg är klara")
        .await
}

/// The term's meetings for both standing groups, from the cadences.
async fn term(b: &Browser) -> Result<()> {
    b.step("moten");
    for group in ["Styrgrupp", "EST"] {
        b.visit("/moten/planera").await?;
        b.select("#grupp", group).await?;
        b.press("Visa förslag", "/moten/planera").await?;
        b.press("Spara valda möten", "/moten").await?;
    }
    b.visit("/").await?;
    b.expect_text(".getting-started", "7 av 8 steg är klara")
        .await
}

/// The participant signs in with the one-time password, chooses their own
/// and reports for the week; the checklist is gone.
async fn first_report(b: &Browser, one_time: &str) -> Result<()> {
    b.sign_out().await?;
    b.step("deltagare");
    b.sign_in_with(PARTICIPANT, one_time, "/konto").await?;
    b.fill("#current_password", one_time).await?;
    b.fill("#new_password", NEW_PASSWORD).await?;
    b.fill("#new_password_repeat", NEW_PASSWORD).await?;
    b.press("Byt lösenord", "/konto").await?;
    b.step("rapport");
    b.visit("/est/rapport").await?;
    b.press("Inget att rapportera den här veckan", "/est/rapport")
        .await?;
    b.expect_text("main", "Inget att rapportera den här veckan.")
        .await?;
    b.sign_out().await?;
    b.step("klart");
    b.sign_in_with(COORDINATOR, NEW_PASSWORD, "/").await?;
    ensure!(
        b.text("main").await?.contains("Välkommen, Eva Ek"),
        "the coordinator's start page"
    );
    let checklist = b.text("main").await?;
    ensure!(
        !checklist.contains("Kom igång med Samordna"),
        "every step is done, so the checklist is gone: {checklist}"
    );
    Ok(())
}
