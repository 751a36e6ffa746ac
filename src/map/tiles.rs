//! The optional background map: tiles of an XYZ tile server
//! (`SAMORDNA_TILE_URL`) fetched by Samordna's server, kept on disk up to a
//! size (`SAMORDNA_TILE_CACHE_MB`), and served from Samordna's own address
//! (`/karta/plattor/{z}/{x}/{y}.png`, signed-in only), so that a visitor's
//! browser asks nobody but Samordna. When the tile server cannot be reached
//! the tile answers 502 and the maps show their shapes without it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::TileConfig;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::CurrentUser;
use crate::web::path::Params;

/// The deepest zoom level served.
pub const MAX_ZOOM: u8 = 19;

/// The largest tile accepted from the tile server.
const MAX_TILE_BYTES: usize = 1024 * 1024;

/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(8);

/// After a failed fetch the tile server is left alone this long, so that a
/// server that is down does not hold up every tile of every map.
const BACK_OFF: Duration = Duration::from_secs(30);

/// The tile server, its client and the cache on disk.
pub struct Tiles {
    config: TileConfig,
    client: reqwest::Client,
    /// Bytes on disk (counted at the first tile) and when the server may be
    /// asked again after a failure.
    state: tokio::sync::Mutex<CacheState>,
    down_until: Mutex<Option<Instant>>,
}

#[derive(Default)]
struct CacheState {
    bytes: Option<u64>,
}

impl Tiles {
    /// The tile source of a configuration, if it has one.
    pub fn from_config(config: Option<&TileConfig>) -> anyhow::Result<Option<Arc<Self>>> {
        let Some(config) = config else {
            return Ok(None);
        };
        let client = crate::http_client::client(
            concat!("Samordna/", env!("CARGO_PKG_VERSION")),
            FETCH_TIMEOUT,
        )?;
        Ok(Some(Arc::new(Self {
            config: config.clone(),
            client,
            state: tokio::sync::Mutex::new(CacheState::default()),
            down_until: Mutex::new(None),
        })))
    }

    /// Whose map it is, for the line under every map.
    pub fn attribution(&self) -> &str {
        &self.config.attribution
    }

    fn path(&self, z: u8, x: u32, y: u32) -> PathBuf {
        self.config
            .cache_dir
            .join(z.to_string())
            .join(x.to_string())
            .join(format!("{y}.tile"))
    }

    /// A tile from the cache, else from the tile server (and then kept).
    /// `None` when the server does not give it.
    pub async fn get(&self, z: u8, x: u32, y: u32) -> Option<Bytes> {
        let path = self.path(z, x, y);
        if let Ok(bytes) = tokio::fs::read(&path).await {
            tokio::task::spawn_blocking(move || touch(&path));
            return Some(bytes.into());
        }
        if self
            .down_until
            .lock()
            .ok()
            .and_then(|d| *d)
            .is_some_and(|until| Instant::now() < until)
        {
            return None;
        }
        match self.fetch(z, x, y).await {
            Ok(bytes) => {
                if let Err(e) = self.keep(&path, &bytes).await {
                    tracing::warn!(error = %e, "a map tile could not be kept on disk");
                }
                Some(bytes)
            }
            Err(e) => {
                tracing::warn!(error = %e, z, x, y, "the tile server did not give a tile");
                if let Ok(mut d) = self.down_until.lock() {
                    *d = Some(Instant::now() + BACK_OFF);
                }
                None
            }
        }
    }

    async fn fetch(&self, z: u8, x: u32, y: u32) -> anyhow::Result<Bytes> {
        let url = self
            .config
            .url
            .replace("{z}", &z.to_string())
            .replace("{x}", &x.to_string())
            .replace("{y}", &y.to_string());
        let response = self.client.get(&url).send().await?.error_for_status()?;
        if response
            .content_length()
            .is_some_and(|n| n > MAX_TILE_BYTES as u64)
        {
            anyhow::bail!("tile larger than {MAX_TILE_BYTES} bytes");
        }
        let bytes = response.bytes().await?;
        if bytes.len() > MAX_TILE_BYTES {
            anyhow::bail!("tile larger than {MAX_TILE_BYTES} bytes");
        }
        if image_type(&bytes).is_none() {
            anyhow::bail!("the tile is not a PNG, JPEG or WebP image");
        }
        Ok(bytes)
    }

    /// Writes a tile (whole or not at all), then removes the tiles used
    /// longest ago while the cache holds more than its limit.
    async fn keep(&self, path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut state = self.state.lock().await;
        let dir = self.config.cache_dir.clone();
        let total = match state.bytes {
            Some(n) => n,
            None => tokio::task::spawn_blocking(move || files(&dir).iter().map(|f| f.1).sum())
                .await
                .unwrap_or(0),
        };
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let part = path.with_extension("part");
        tokio::fs::write(&part, bytes).await?;
        tokio::fs::rename(&part, path).await?;
        let mut total = total + bytes.len() as u64;
        if total > self.config.cache_bytes {
            let dir = self.config.cache_dir.clone();
            let limit = self.config.cache_bytes;
            total = tokio::task::spawn_blocking(move || evict(&dir, limit))
                .await
                .unwrap_or(total);
        }
        state.bytes = Some(total);
        Ok(())
    }
}

/// A kept tile is marked as used by its modification time, at most once
/// an hour, so that a full cache removes the tiles used longest ago.
const TOUCH_AFTER: Duration = Duration::from_secs(3600);

/// Marks a kept tile as just used.
fn touch(path: &std::path::Path) {
    let now = std::time::SystemTime::now();
    let Ok(file) = std::fs::File::options().write(true).open(path) else {
        return;
    };
    let stale = file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|at| now.duration_since(at).ok())
        .is_some_and(|age| age > TOUCH_AFTER);
    if stale {
        let _ = file.set_modified(now);
    }
}

/// Every kept tile: path, size and when it was last used.
fn files(dir: &std::path::Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                stack.push(e.path());
            } else if e.path().extension().is_some_and(|x| x == "tile") {
                let at = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                out.push((e.path(), meta.len(), at));
            }
        }
    }
    out
}

/// Removes the tiles used longest ago until the cache holds at most nine tenths of
/// `limit`; returns the bytes left.
fn evict(dir: &std::path::Path, limit: u64) -> u64 {
    let mut all = files(dir);
    all.sort_by_key(|f| f.2);
    let mut total: u64 = all.iter().map(|f| f.1).sum();
    let target = limit / 10 * 9;
    for (path, size, _) in all {
        if total <= target {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total = total.saturating_sub(size);
        }
    }
    total
}

/// The media type of a tile, from its first bytes.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// `GET /karta/plattor/{z}/{x}/{y}.png`: a background tile, for those
/// signed in. 404 without a background map or for a tile outside the
/// world; 502 when the tile server does not give it.
pub async fn tile(
    State(state): State<AppState>,
    _user: CurrentUser,
    Params((z, x, y)): Params<(u8, u32, String)>,
) -> AppResult<Response> {
    let tiles = state.tiles.as_ref().ok_or(AppError::NotFound)?;
    let y: u32 = y
        .strip_suffix(".png")
        .and_then(|y| y.parse().ok())
        .ok_or(AppError::NotFound)?;
    if z > MAX_ZOOM || x >= 1 << z || y >= 1 << z {
        return Err(AppError::NotFound);
    }
    let Some(bytes) = tiles.get(z, x, y).await else {
        return Ok((
            StatusCode::BAD_GATEWAY,
            [(header::CACHE_CONTROL, "no-store")],
            "Bakgrundskartan kunde inte hämtas.",
        )
            .into_response());
    };
    let media = image_type(&bytes).unwrap_or("application/octet-stream");
    Ok((
        [
            (header::CONTENT_TYPE, media),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tiles_used_longest_ago_go_first_when_the_cache_is_full() {
        let dir = std::env::temp_dir().join(format!("samordna-tiles-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("1/0")).expect("dir");
        for (i, name) in ["a", "b", "c", "d"].iter().enumerate() {
            std::fs::write(dir.join(format!("1/0/{name}.tile")), vec![0u8; 100]).expect("write");
            let at = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1000 + i as u64);
            std::fs::File::options()
                .write(true)
                .open(dir.join(format!("1/0/{name}.tile")))
                .and_then(|f| f.set_modified(at))
                .expect("time");
        }

        // "a" was written first but has just been shown again.
        touch(&dir.join("1/0/a.tile"));

        let left = evict(&dir, 300);

        assert_eq!(left, 200);
        assert!(!dir.join("1/0/b.tile").exists() && !dir.join("1/0/c.tile").exists());
        assert!(dir.join("1/0/a.tile").exists() && dir.join("1/0/d.tile").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
