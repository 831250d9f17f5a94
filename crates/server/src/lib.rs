//! The driftless HTTP server: `/v1` routes over one [`driftless_index::Snapshot`], strict
//! request decoding, one error shape, bounded CPU work and a generated OpenAPI document.
//!
//! [`app`] builds the router and [`serve`] runs it with graceful shutdown, so tests drive the
//! router with `oneshot` and also run a real server on port 0.
//!
//! ```no_run
//! use driftless_server::{AppState, ServerConfig, app, serve};
//!
//! # async fn run() -> std::io::Result<()> {
//! let state = AppState::new(&ServerConfig::default());
//! let loader = state.clone();
//! tokio::spawn(async move { loader.load_snapshot("snapshot".into()).await });
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, app(state), async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```
#![warn(missing_docs)]

pub mod access;
mod compat;
mod connections;
mod cpu_pool;
mod deadline;
mod docs_page;
mod error;
mod error_code;
mod json_body;
mod log_capture;
pub mod mcp;
mod metrics;
mod openapi;
mod origin;
mod pin;
mod probe_routes;
mod query_string;
mod request_id;
mod request_params;
mod route_docs;
mod served;
mod server_timing;
mod service;
mod service_many;
mod snapshot_build;
mod snapshots_route;
mod state;
mod ui;
mod v1_routes;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::middleware;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use json_body::MAX_BODY_BYTES;
use request_id::X_REQUEST_ID;

// The public API: what the binary, the tests and the examples use to run a server. The
// rest (request decoding, error bodies, middleware) is reached through `app`'s routes.
pub use connections::{ConnectionLimits, serve_with_limits};
pub use cpu_pool::Job;
pub use deadline::Budget;
pub use error_code::{ErrorCode, errors_markdown};
pub use openapi::{openapi, openapi_yaml};
pub use origin::{IpBlock, Origin};
pub use pin::SNAPSHOT_PARAM;
pub use request_params::SEARCH_PARAMS;
pub use snapshot_build::BuildState;
pub use state::{AppState, DEFAULT_MAX_EXACT_SCAN, ServerConfig};

/// The router with every route and middleware.
///
/// Layers, outermost first: request id (so every response carries one, even a 413 or a
/// panic), origin (forwarded client, replica name), trace, panic catcher, body limit,
/// metrics, access (keys and quotas); `Server-Timing` wraps the engine routes only.
pub fn app(state: AppState) -> Router {
    let engine_routes = Router::new()
        .route(
            "/v1/search",
            get(v1_routes::search_get).post(v1_routes::search_post),
        )
        .route("/v1/fetch", get(v1_routes::fetch))
        .route("/v1/stats/terms", get(v1_routes::term_stats))
        .route_layer(middleware::from_fn(server_timing::server_timing));
    Router::new()
        .merge(engine_routes)
        .route("/v1/snapshot", get(v1_routes::snapshot))
        .route("/v1/snapshot/build", get(snapshot_build::build_status))
        .route("/v1/snapshots", get(snapshots_route::snapshots))
        .route("/health", get(probe_routes::health))
        .route("/ready", get(probe_routes::ready))
        .route("/openapi.yaml", get(probe_routes::openapi_document))
        .route("/metrics", get(metrics::metrics))
        .route("/docs", get(docs_page::docs))
        .merge(compat::routes())
        .merge(ui::routes())
        .nest_service("/mcp", mcp::http_service(state.clone()))
        // Must come after every route: it only applies to the routes already added.
        .method_not_allowed_fallback(probe_routes::method_not_allowed)
        .fallback(probe_routes::not_found)
        .with_state(state.clone())
        // The snapshot pin, innermost: a malformed one is a 400 that still costs no budget.
        .layer(middleware::from_fn(pin::pin))
        // Router-level layers run after routing, so both see the route template.
        // Inside access: a refused caller costs no budget; the deadline starts here.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            deadline::budget,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), access::guard))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(probe_routes::panic_response))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // The forwarded client and the replica name, on every response (even a panic's).
        .layer(middleware::from_fn_with_state(state, origin::origin))
        .layer(middleware::from_fn(request_id::request_id))
}

/// One span per request with the fields an operator filters on.
fn request_span(request: &Request) -> tracing::Span {
    let request_id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id,
        peer = ?peer,
    )
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets in-flight requests finish
/// (within the default [`ConnectionLimits`]; [`serve_with_limits`] takes others).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_limits(listener, app, shutdown, ConnectionLimits::default()).await
}
