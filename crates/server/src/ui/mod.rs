//! `/ui`: the browser console. Handlers here gather what a page shows — searches and
//! fetches through the same service as `/v1` (logged under `ui:search` and `ui:fetch`),
//! the manifest, the query-log store — and driftless-console renders it.
//!
//! Every response carries a strict Content-Security-Policy (no script at all: the pages
//! are plain forms and links, charts are inline SVG), `nosniff` and `no-referrer`. The
//! console is read-only (GET only) and sits behind the API keys like `/v1`; a browser
//! sends a key as HTTP Basic credentials (any user name, the key as password), which the
//! access guard asks for with `WWW-Authenticate` on `/ui`.
mod engine_pages;
mod log_pages;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::Markup;

use crate::error::ApiError;
use crate::error_code::ErrorCode;
use crate::query_string::decode;
use crate::state::AppState;

/// The console's routes (merged into the app before its layers, so access and metrics
/// apply as to every route).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui", get(|| async { Redirect::to("/ui/search") }))
        .route("/ui/", get(|| async { Redirect::to("/ui/search") }))
        .route("/ui/assets/console.css", get(stylesheet))
        .route("/ui/search", get(engine_pages::search))
        .route("/ui/compare", get(engine_pages::compare))
        .route("/ui/doc", get(engine_pages::doc))
        .route("/ui/snapshot", get(engine_pages::snapshot))
        .route("/ui/sessions", get(log_pages::sessions))
        .route("/ui/session", get(log_pages::session))
        .route("/ui/dashboards", get(log_pages::dashboards))
        .route_layer(middleware::from_fn(security_headers))
}

/// The console's response headers.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(driftless_console::CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        driftless_console::STYLESHEET,
    )
        .into_response()
}

/// A rendered page with its status; pages are never cached (they show live state).
pub(crate) fn html(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        markup.into_string(),
    )
        .into_response()
}

/// Extractor: the page's query string as decoded pairs; a malformed one is the API's 400,
/// answered as a page.
pub(crate) struct Pairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Pairs {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        decode(parts.uri.query().unwrap_or(""))
            .map(Pairs)
            .map_err(|e| error_response(&ApiError::new(ErrorCode::InvalidEncoding, e.to_string())))
    }
}

/// An API error as a console page with the same status and code.
pub(crate) fn error_response(error: &ApiError) -> Response {
    html(
        error.status,
        driftless_console::error_page("Request refused", error.code.as_str(), &error.message),
    )
}

/// This server's address as the browser reached it, for the copyable `curl` lines. Only
/// host characters are kept, so a forged `Host` cannot break out of the quoted URL.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}
