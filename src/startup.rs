//! Building the router and running the server.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;
use tower::util::option_layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::{CsrfLayer, ProtectionError};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::session_store::PgSessionStore;
use crate::error::{AppError, error_page};
use crate::page_cache::ChangedIn;
use crate::state::AppState;
use crate::web::assets;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The Content-Security-Policy: our own files only, no inline code.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The complete application: every feature's routes and the middleware.
pub fn build_router(state: AppState, store: PgSessionStore) -> Router {
    let sessions = sessions(&state, store);
    let csrf = CsrfLayer::new().with_rejection_response(|_: ProtectionError| {
        error_page(
            StatusCode::FORBIDDEN,
            "Begäran stoppades",
            "Formuläret skickades från en annan webbplats och har inte tagits emot. \
             Öppna Samordna direkt och försök igen.",
        )
    });
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    // HSTS only where the public address is https: on plain http it would
    // be ignored at best.
    let hsts = state.config.secure_cookies().then(|| {
        header(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        )
    });
    let counting = state.config.count_statements.then(|| {
        crate::telemetry::enable_statement_counting();
        from_fn(crate::telemetry::count_statements)
    });
    let router = routes()
        .layer(csrf)
        .layer(from_fn_with_state(state.clone(), forget_after_change))
        .layer(from_fn_with_state(state.clone(), catch_up))
        .layer(sessions)
        .layer(option_layer(counting))
        // Signed-in pages and exports are never kept by the browser or a
        // proxy; versioned static files set their own lifetime.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(CompressionLayer::new())
        .layer(option_layer(hsts))
        // Not overriding: stored documents carry their own, stricter policy.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "same-origin"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid));
    router.with_state(state)
}

/// Every feature's routes, the health check and the static files.
fn routes() -> Router<AppState> {
    Router::new()
        .merge(crate::auth::router())
        .merge(crate::home::router())
        .merge(crate::structure::router())
        .merge(crate::templates::router())
        .merge(crate::meetings::router())
        .merge(crate::est::router())
        .merge(crate::agreements::router())
        .merge(crate::dashboard::router())
        .merge(crate::planning::router())
        .merge(crate::map::router())
        .merge(crate::tips::router())
        .merge(crate::operator::router())
        .route("/health", get(health))
        .route("/tillganglighet", get(crate::web::pages::accessibility))
        .route("/assets/{hash}/{name}", get(assets::serve))
        .nest_service("/static", ServeDir::new(assets::static_dir()))
        .fallback(|| async { AppError::NotFound })
}

/// Sessions in PostgreSQL: a cookie only for this site, ended after the
/// configured idle time.
fn sessions(state: &AppState, store: PgSessionStore) -> SessionManagerLayer<PgSessionStore> {
    SessionManagerLayer::new(store)
        .with_name("samordna_session")
        .with_secure(state.config.secure_cookies())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            state.config.session_idle_minutes,
        )))
}

/// The page for a request that panicked; the panic itself is logged.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Något gick fel",
        "Ett oväntat fel inträffade. Felet är loggat; försök igen om en stund.",
    )
}

/// The span of a request, with its id.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request.id = %id)
}

/// Set after a signed-in change: names the instance that made it, for ten
/// seconds, so that another instance answering this browser's next request
/// first applies the notices of that change ([`catch_up`]).
const CHANGED_COOKIE: &str = "samordna_changed";

/// After a request that may have changed something, this instance forgets
/// who is asking and the pages' data at once; other instances hear of it by
/// NOTIFY, and the browser is told which instance changed it. Signing in
/// is not marked: it starts a session no instance has seen.
async fn forget_after_change(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let changes = !request.method().is_safe();
    let marks = changes
        && cookie(&request, "samordna_session").is_some()
        && request.uri().path() != "/login";
    let changed_in = ChangedIn::default();
    if changes {
        request.extensions_mut().insert(changed_in.clone());
    }
    let mut response = next.run(request).await;
    if changes {
        state.identity.invalidate_all();
        changed_in.forget(&state.pages);
    }
    if marks {
        let secure = if state.config.secure_cookies() {
            "; Secure"
        } else {
            ""
        };
        let mark = format!(
            "{CHANGED_COOKIE}={}; Max-Age=10; Path=/; HttpOnly; SameSite=Lax{secure}",
            state.identity.instance
        );
        if let Ok(value) = HeaderValue::from_str(&mark) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Before a request from a browser that has just changed something through
/// another instance (several behind a load balancer): this instance applies
/// every notice committed so far, so the browser sees its change at once,
/// not a moment later. If the notices do not come within a second, the
/// caches are dropped instead.
async fn catch_up(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let elsewhere = cookie(&request, CHANGED_COOKIE)
        .is_some_and(|instance| instance != state.identity.instance.to_string());
    if elsewhere && !state.pages.catch_up(&state.db).await {
        state.identity.invalidate_all();
        state.pages.invalidate_all();
    }
    next.run(request).await
}

/// The value of the request's cookie `name`.
fn cookie(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
}

async fn health(State(state): State<AppState>) -> Response {
    let probe = tokio::time::timeout(
        Duration::from_secs(3),
        sqlx::query_scalar!("select 1 as \"one!\"").fetch_one(&state.db),
    )
    .await;
    match probe {
        Ok(Ok(_)) => Json(json!({ "status": "ok" })).into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "database": "svarar inte" })),
        )
            .into_response(),
    }
}

/// A bound server, ready to run.
pub struct App {
    listener: TcpListener,
    router: Router,
    /// The caches' listener; it stops with the server.
    _identity: AbortOnDrop,
}

/// Ends a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl App {
    /// Binds `address` (port 0 picks a free one) and builds the router.
    pub async fn build(state: AppState, address: &str) -> anyhow::Result<Self> {
        let store = PgSessionStore::new(state.db.clone(), state.identity.clone());
        let identity = AbortOnDrop(crate::listen::spawn(
            &state.db,
            vec![state.identity.clone(), state.pages.clone()],
        ));
        let listener = TcpListener::bind(address)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {address}: {e}"))?;
        Ok(Self {
            listener,
            router: build_router(state, store),
            _identity: identity,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes; in-flight requests are finished.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
