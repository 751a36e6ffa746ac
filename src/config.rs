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
}

impl Config {
    /// Reads the environment.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            database_url: var("DATABASE_URL"),
            data_dir: var("SAMORDNA_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from),
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
