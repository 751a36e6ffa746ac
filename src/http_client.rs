//! The one HTTP client set-up for calls to outside services: the police's
//! events and Kolada's statistics (`crate::sources`) and the background
//! map's tiles (`crate::map::tiles`). Here, not in either, so that neither
//! feature imports the other for it.

use std::sync::Arc;
use std::time::Duration;

/// Makes ring the process's TLS provider (reqwest is built without one of
/// its own; lettre brings ring already). Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client for an outside service: TLS by rustls with ring and the webpki
/// roots, the caller's User-Agent, and `timeout` for the whole call.
pub fn client(user_agent: &str, timeout: Duration) -> anyhow::Result<reqwest::Client> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(3))
        .user_agent(user_agent)
        .build()?)
}
