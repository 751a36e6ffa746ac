//! One listening connection per instance for the in-process caches.
//!
//! PostgreSQL delivers a NOTIFY at the commit of the transaction that sent
//! it, so a cache that drops what a notice names never serves what a
//! committed change made stale for longer than the notice takes to arrive.
//! When the connection is lost the caches may have missed notices: each is
//! told to drop everything and to serve nothing from memory until the
//! connection listens again.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

/// A cache kept fresh by the notices on one channel.
pub trait Subscriber: Send + Sync {
    /// The channel it listens on.
    fn channel(&self) -> &'static str;
    /// Applies one notice.
    fn apply(&self, payload: &str);
    /// Listening started (`true`: cached values may be used from now on)
    /// or stopped (`false`: drop everything and bypass the cache).
    fn set_live(&self, live: bool);
}

/// Listens for as long as the runtime runs, reconnecting when the connection
/// is lost.
pub fn spawn(db: &PgPool, subscribers: Vec<Arc<dyn Subscriber>>) -> tokio::task::JoinHandle<()> {
    // Its own connection, outside the app's pool, which it would otherwise
    // hold one of for good.
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_lazy_with((*db.connect_options()).clone());
    tokio::spawn(async move {
        loop {
            listen(&db, &subscribers).await;
            // Lost, or could not connect: nothing cached can be trusted.
            for s in &subscribers {
                s.set_live(false);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

async fn listen(db: &PgPool, subscribers: &[Arc<dyn Subscriber>]) {
    let mut listener = match PgListener::connect_with(db).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "cache listener cannot connect");
            return;
        }
    };
    // Without this the listener would reconnect on its own and hide that
    // notices were missed.
    listener.ignore_pool_close_event(true);
    let channels: Vec<&str> = subscribers.iter().map(|s| s.channel()).collect();
    if let Err(e) = listener.listen_all(channels).await {
        tracing::warn!(error = %e, "cache listener cannot listen");
        return;
    }
    for s in subscribers {
        s.set_live(true);
    }
    loop {
        match listener.try_recv().await {
            Ok(Some(notice)) => {
                for s in subscribers
                    .iter()
                    .filter(|s| s.channel() == notice.channel())
                {
                    s.apply(notice.payload());
                }
            }
            Ok(None) => {
                tracing::warn!("cache listener lost its connection; caches dropped");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cache listener failed; caches dropped");
                return;
            }
        }
    }
}
