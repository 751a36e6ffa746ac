//! Shared application state, handed to handlers as `State<AppState>`.

use std::sync::Arc;

use sqlx::PgPool;

use crate::auth::identity::IdentityCache;
use crate::auth::throttle::LoginThrottle;
use crate::config::Config;
use crate::mail::Mailer;
use crate::page_cache::PageCache;
use crate::tips::protect::TipGuard;

/// Everything a handler may need besides the request.
#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub login_throttle: Arc<LoginThrottle>,
    pub mailer: Arc<Mailer>,
    /// Who is asking, from memory (sessions, people, seats).
    pub identity: Arc<IdentityCache>,
    /// Page data, from memory until its municipality changes.
    pub pages: Arc<PageCache>,
    /// The background map's tiles, when `SAMORDNA_TILE_URL` is set.
    pub tiles: Option<Arc<crate::map::tiles::Tiles>>,
    /// The public tip form's per-client limit and signing key.
    pub tips: Arc<TipGuard>,
}

impl AppState {
    /// State for a pool and a configuration.
    pub fn new(db: PgPool, config: Config) -> anyhow::Result<Self> {
        crate::http_client::install_crypto_provider();
        Ok(Self {
            db,
            mailer: Arc::new(Mailer::from_config(&config)?),
            tiles: crate::map::tiles::Tiles::from_config(config.tiles.as_ref())?,
            tips: Arc::new(TipGuard::new(config.tip_limits)),
            config: Arc::new(config),
            login_throttle: Arc::new(LoginThrottle::default()),
            identity: Arc::new(IdentityCache::default()),
            pages: Arc::new(PageCache::default()),
        })
    }
}
