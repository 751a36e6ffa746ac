//! Typed configuration, read from the environment (see README).

use std::path::PathBuf;

/// Settings for one running instance.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`; when absent an embedded cluster under `data_dir` is used.
    pub database_url: Option<String>,
    /// Where the embedded PostgreSQL cluster lives (`SAMORDNA_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The address users reach the app at (`SAMORDNA_PUBLIC_URL`); an
    /// `https://` address turns on `Secure` cookies.
    pub public_url: String,
    /// Demo mode: show demo accounts on the login page.
    pub demo: bool,
    /// `SAMORDNA_SMTP_URL`, e.g. `smtp://user:password@mail.kommun.se:587?tls=required`.
    pub smtp_url: Option<String>,
    /// Where mail is written as `.eml` files when no SMTP is set (`SAMORDNA_MAIL_DIR`).
    pub mail_dir: PathBuf,
    /// The sender of Samordna's mail (`SAMORDNA_MAIL_FROM`).
    pub mail_from: String,
    /// Where users report accessibility problems (`SAMORDNA_ACCESSIBILITY_CONTACT`).
    pub accessibility_contact: String,
}

impl Config {
    /// Reads the environment.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let data_dir =
            var("SAMORDNA_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from);
        Self {
            database_url: var("DATABASE_URL"),
            mail_dir: var("SAMORDNA_MAIL_DIR").map_or_else(|| data_dir.join("mail"), PathBuf::from),
            data_dir,
            smtp_url: var("SAMORDNA_SMTP_URL"),
            accessibility_contact: var("SAMORDNA_ACCESSIBILITY_CONTACT")
                .unwrap_or_else(|| "kommunen@lindesberg.se".to_owned()),
            mail_from: var("SAMORDNA_MAIL_FROM")
                .unwrap_or_else(|| "Samordna <samordna@localhost>".to_owned()),
            public_url: var("SAMORDNA_PUBLIC_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned()),
            demo: false,
        }
    }

    /// Whether cookies must carry the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
