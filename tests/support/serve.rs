//! The app served on a free port over a test's own database, and a fake
//! tile server beside it: one way to start them for the API tests
//! (`tests/api/helpers.rs`, `tests/api/map.rs`) and the browser tests
//! (`tests/browser/app.rs`, `tests/browser/map.rs`), which include this
//! file with `#[path]`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use samordna::config::Config;
use samordna::page_cache::PageCache;
use samordna::startup::App;
use samordna::state::AppState;
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server and the handles to reach and stop it.
#[allow(
    dead_code,
    reason = "each test crate reads the handles it needs, not all of them"
)]
pub struct Served {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The app's page-data cache.
    pub pages: Arc<PageCache>,
    /// Sending (or dropping) this stops the server.
    pub stop: oneshot::Sender<()>,
    /// The server's task, done once it has stopped.
    pub server: JoinHandle<()>,
}

/// A new folder name under the build's temporary folder, for one app's
/// mail or tile cache (`kind` tells the test crates' folders apart).
pub fn fresh_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(kind)
        .join(uuid::Uuid::new_v4().to_string())
}

/// Serves the app over `db` with the tests' configuration (mail as `.eml`
/// files in `mail_dir`), changed by `change`, on 127.0.0.1:0.
pub async fn serve(db: PgPool, mail_dir: PathBuf, change: impl FnOnce(&mut Config)) -> Served {
    samordna::telemetry::init_for_tests();
    let mut config = Config::for_tests(mail_dir);
    change(&mut config);
    let state = AppState::new(db, config).expect("app state");
    let pages = state.pages.clone();
    let app = App::build(state, "127.0.0.1:0").await.expect("app");
    let address = format!("http://{}", app.local_addr().expect("local address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until(async {
            let _ = stopped.await;
        })
        .await
        .expect("server");
    });
    Served {
        address,
        pages,
        stop,
        server,
    }
}

/// A tile server on a free local port that answers every tile with `tile`
/// and counts the requests in `hits`; returns its URL template.
pub async fn tile_server(tile: &'static [u8], hits: Arc<AtomicUsize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = axum::Router::new().route(
        "/{z}/{x}/{y}",
        axum::routing::get(move || {
            hits.fetch_add(1, Ordering::SeqCst);
            async move { ([("content-type", "image/png")], tile) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/{{z}}/{{x}}/{{y}}.png")
}

/// The configuration of a background map fetched from `url`, cached in a
/// fresh folder under `kind`.
pub fn tile_config(url: &str, kind: &str) -> samordna::config::TileConfig {
    samordna::config::TileConfig::new(
        url,
        Some("© Testkartan".to_owned()),
        fresh_dir(kind),
        10_000_000,
    )
    .expect("tile config")
}
