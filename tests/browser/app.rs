//! The app served on a free port over a test's own database with the demo
//! data, for the browser to visit.

use std::path::PathBuf;

use samordna::config::Config;
use sqlx::PgPool;
use tokio::sync::oneshot;

pub const DEMO_PASSWORD: &str = samordna::seed::DEMO_PASSWORD;
/// Lindesberg's demo accounts the tests sign in with.
pub const COORDINATOR: &str = "samordnare@lindesberg.example";
pub const SECURITAS: &str = "securitas@lindesberg.example";
pub const DIRECTOR: &str = "kommundirektor@lindesberg.example";
pub const KSO: &str = "kso@lindesberg.example";

pub struct DemoApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// Where this app's mail lands as `.eml` files (`config.mail_dir`).
    pub mail_dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
}

impl DemoApp {
    /// Lindesberg's and Nora's demo structure, served on 127.0.0.1:0.
    pub async fn start(db: PgPool) -> Self {
        Self::start_with(db, |_| {}).await
    }

    /// Serves the demo, opens a browser for the test `test` on it, runs
    /// `steps` there and ends the test with their outcome.
    pub async fn browse(
        db: PgPool,
        test: &'static str,
        steps: impl AsyncFnOnce(&crate::driver::Browser) -> anyhow::Result<()>,
    ) {
        let app = Self::start(db).await;
        let browser = crate::driver::Browser::open(test, &app.address).await;
        let outcome = steps(&browser).await;
        browser.finish(outcome).await;
    }

    /// The same, with `change` made to the configuration first.
    pub async fn start_with(db: PgPool, change: impl FnOnce(&mut Config)) -> Self {
        samordna::seed::load_demo(&db).await.expect("demo data");
        let mail_dir = crate::serve::fresh_dir("browser-mail");
        let served = crate::serve::serve(db, mail_dir.clone(), change).await;
        Self {
            address: served.address,
            mail_dir,
            stop: Some(served.stop),
        }
    }

    /// The mails sent so far: (recipient, subject), sorted.
    pub fn mails(&self) -> Vec<(String, String)> {
        let Ok(entries) = std::fs::read_dir(&self.mail_dir) else {
            return Vec::new();
        };
        let mut mails: Vec<(String, String)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| {
                let raw = std::fs::read(e.path()).expect("read .eml");
                let mail = mailparse::parse_mail(&raw).expect("parse .eml");
                let header = |name| {
                    mailparse::MailHeaderMap::get_first_value(&mail.headers[..], name)
                        .unwrap_or_default()
                };
                (header("To"), header("Subject"))
            })
            .collect();
        mails.sort();
        mails
    }
}

impl DemoApp {
    /// The text of the latest mail to `recipient`, if any.
    pub fn mail_body_to(&self, recipient: &str) -> Option<String> {
        let entries = std::fs::read_dir(&self.mail_dir).ok()?;
        let mut mails: Vec<(std::time::SystemTime, String)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| {
                let raw = std::fs::read(e.path()).ok()?;
                let mail = mailparse::parse_mail(&raw).ok()?;
                let to = mailparse::MailHeaderMap::get_first_value(&mail.headers[..], "To")?;
                let body = if mail.subparts.is_empty() {
                    mail.get_body().ok()?
                } else {
                    mail.subparts.first()?.get_body().ok()?
                };
                let at = e.metadata().ok()?.modified().ok()?;
                to.contains(recipient).then_some((at, body))
            })
            .collect();
        mails.sort();
        mails.pop().map(|(_, body)| body)
    }
}

impl Drop for DemoApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
