//! Our own static files (CSS, small scripts) under versioned names:
//! `/assets/<hash>/app.css`, where the hash is of the file's content, so a
//! browser may keep each for a year and a new release is fetched at once.
//! Templates ask for the address with [`url`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::web::path::Segments;

/// One file, read once at start.
struct Asset {
    hash: String,
    content_type: &'static str,
    bytes: Vec<u8>,
}

static ASSETS: OnceLock<HashMap<String, Asset>> = OnceLock::new();

/// `static/` next to the binary's crate, or `SAMORDNA_STATIC_DIR`.
pub fn static_dir() -> PathBuf {
    std::env::var_os("SAMORDNA_STATIC_DIR")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/static").into())
}

fn content_type(name: &str) -> &'static str {
    match Path::new(name).extension().and_then(|e| e.to_str()) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

fn load(dir: &Path) -> HashMap<String, Asset> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        tracing::warn!(dir = %dir.display(), "no static folder");
        return HashMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let bytes = std::fs::read(e.path()).ok()?;
            let digest = Sha256::digest(&bytes);
            let hash = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
            let content_type = content_type(&name);
            Some((
                name,
                Asset {
                    hash,
                    content_type,
                    bytes,
                },
            ))
        })
        .collect()
}

fn assets() -> &'static HashMap<String, Asset> {
    ASSETS.get_or_init(|| load(&static_dir()))
}

/// The versioned address of a file in `static/`, for templates.
pub fn url(name: &str) -> String {
    match assets().get(name) {
        Some(asset) => format!("/assets/{}/{name}", asset.hash),
        None => format!("/static/{name}"),
    }
}

/// `GET /assets/{hash}/{name}`: the file, cacheable for a year; an old
/// hash is sent on to the current one.
pub async fn serve(Segments(hash, name): Segments) -> Result<Response, AppError> {
    let asset = assets().get(&name).ok_or(AppError::NotFound)?;
    if asset.hash != hash {
        return Ok(Redirect::temporary(&url(&name)).into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.bytes.clone(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_has_a_versioned_address() {
        let address = url("app.css");
        assert!(address.starts_with("/assets/"), "{address}");
        assert!(address.ends_with("/app.css"), "{address}");
    }
}
