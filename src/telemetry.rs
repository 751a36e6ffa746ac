//! Structured logs via `tracing`. `SAMORDNA_LOG_FORMAT=json` for machines,
//! readable text otherwise; the level comes from `RUST_LOG`.
//!
//! Also counts the SQL statements each request runs: sqlx reports every
//! statement as a `sqlx::query` event, and [`StatementCounter`] adds them
//! up in a task-local slot that [`count_statements`] opens per request.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Subscriber;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

/// The response header that carries the count, when counting is on.
pub const STATEMENTS_HEADER: &str = "x-samordna-statements";

/// Off unless the configuration asks: sqlx then formats no statement text.
static COUNTING: AtomicBool = AtomicBool::new(false);

tokio::task_local! {
    static STATEMENTS: Cell<u32>;
}

/// Turns statement counting on for this process.
pub fn enable_statement_counting() {
    COUNTING.store(true, Ordering::Release);
}

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let json = std::env::var("SAMORDNA_LOG_FORMAT").is_ok_and(|v| v == "json");
    let counter = StatementCounter.with_filter(filter_fn(|meta| {
        meta.target() == "sqlx::query" && COUNTING.load(Ordering::Acquire)
    }));
    let registry = tracing_subscriber::registry().with(counter);
    let _ = if json {
        registry
            .with(fmt::layer().json().with_target(false).with_filter(filter))
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_target(false).with_filter(filter))
            .try_init()
    };
}

/// For tests: warnings only (or `RUST_LOG`), through the test harness's
/// capture, and the statement counter.
pub fn init_for_tests() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let counter = StatementCounter.with_filter(filter_fn(|meta| {
        meta.target() == "sqlx::query" && COUNTING.load(Ordering::Acquire)
    }));
    let _ = tracing_subscriber::registry()
        .with(counter)
        .with(fmt::layer().with_test_writer().with_filter(filter))
        .try_init();
}

/// Adds one to the current request's count for every statement sqlx ran.
struct StatementCounter;

impl<S: Subscriber> Layer<S> for StatementCounter {
    fn on_event(&self, _event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let _ = STATEMENTS.try_with(|n| n.set(n.get() + 1));
    }
}

/// Middleware: runs the request with its own count and reports it in
/// [`STATEMENTS_HEADER`]. Installed only when counting is on.
pub async fn count_statements(request: Request, next: Next) -> Response {
    let (mut response, count) = STATEMENTS
        .scope(Cell::new(0), async {
            let response = next.run(request).await;
            (response, STATEMENTS.with(Cell::get))
        })
        .await;
    response
        .headers_mut()
        .insert(STATEMENTS_HEADER, HeaderValue::from(count));
    response
}
