//! Keyboard use: the skip link comes first, focus is visible, and the order
//! follows the page.

use anyhow::{Result, ensure};

use crate::app::DemoApp;
use crate::driver::Browser;

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_login_page_works_with_the_keyboard_alone(db: sqlx::PgPool) {
    DemoApp::browse(db, "keyboard", use_keyboard).await;
}

async fn use_keyboard(b: &Browser) -> Result<()> {
    b.step("skip-link");
    b.visit("/login").await?;
    let first = b.press_key(TAB).await?;
    ensure!(
        first.starts_with("a||Hoppa till innehållet|outline"),
        "the skip link is first and shows focus: {first}"
    );
    let main = b.press_key(ENTER).await?;
    ensure!(
        main.starts_with("main|main|"),
        "the skip link moves focus to the content: {main}"
    );

    b.step("order");
    let email = b.press_key(TAB).await?;
    ensure!(
        email.starts_with("input|email|") && email.ends_with("|outline"),
        "then the e-mail field, with visible focus: {email}"
    );
    let password = b.press_key(TAB).await?;
    ensure!(
        password.starts_with("input|password|"),
        "then the password: {password}"
    );
    let button = b.press_key(TAB).await?;
    ensure!(
        button.starts_with("button||Logga in|outline"),
        "then the button: {button}"
    );
    Ok(())
}
