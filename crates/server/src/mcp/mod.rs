//! MCP (Model Context Protocol) over the same search and fetch service as `/v1`.
//!
//! Tools: `search`, `fetch` (together the two-tool shape OpenAI's deep-research connectors
//! expect), `get_document` (BrowseComp-Plus's name) and `term_stats` (document frequencies,
//! for agents that weight their queries). They are served two ways:
//! - streamable HTTP at `/mcp` inside [`crate::app`], for agent frameworks;
//! - stdio ([`serve_stdio`], `driftless mcp`), for desktop clients that spawn a process.
//!
//! The HTTP transport is **stateless** and answers each POST with one JSON body (no SSE):
//! every tool call is independent, so no session needs to live on the server. That lets
//! thousands of rollouts share replicas behind a plain load balancer (no sticky sessions),
//! keeps nothing in memory when a client vanishes without a DELETE, and is what protocol
//! 2026-07-28 requires anyway (rmcp serves that version statelessly whatever the setting).
//! The Python `mcp` SDK (1.x and 2.x) and the frameworks built on it accept a server that
//! issues no `Mcp-Session-Id` and answers `GET` with 405.
mod origin;
mod schema;
mod term_stats;
mod tools;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{RoleServer, ServerHandler, ServiceExt, tool_handler};

use crate::json_body::MAX_BODY_BYTES;
use crate::log_capture::LogContext;
use crate::state::AppState;

pub use origin::OriginPolicy;
pub use tools::{FETCH_ENDPOINT, GET_DOCUMENT_ENDPOINT, SEARCH_ENDPOINT};

const INSTRUCTIONS: &str = "\
driftless answers searches over a frozen snapshot of web pages: results never change for the \
same arguments. Use `search` to find pages (keywords, \"phrases\", -exclusions, site:host), then \
`fetch` with a result's id to read one (in windows; follow metadata.next_offset). \
`get_document` returns a whole page by docid.";

/// The MCP server: the app state plus, for stdio, the session name to log under.
#[derive(Clone)]
pub struct DriftlessMcp {
    state: AppState,
    /// `Some` over stdio, where there are no HTTP headers to name the client and session.
    stdio_session: Option<String>,
    tool_router: ToolRouter<Self>,
}

impl std::fmt::Debug for DriftlessMcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriftlessMcp")
            .field("stdio_session", &self.stdio_session)
            .finish_non_exhaustive()
    }
}

impl DriftlessMcp {
    fn new(state: AppState, stdio_session: Option<String>) -> Self {
        // Built once: the router generates every tool's JSON Schema when it is made.
        Self {
            state,
            stdio_session,
            tool_router: Self::tool_router() + Self::term_stats_router(),
        }
    }

    /// Who asked, for the query log. Over HTTP rmcp hands the request's `Parts` to the tool,
    /// so the same headers as `/v1` apply (`x-client-id` or the peer address, `x-session-id`,
    /// `x-step`, `x-request-id`); over stdio the client is `stdio` and the session is the
    /// process's.
    async fn log_context(&self, context: &RequestContext<RoleServer>) -> LogContext {
        if let Some(parts) = context.extensions.get::<Parts>() {
            let mut parts = parts.clone();
            match LogContext::from_request_parts(&mut parts, &()).await {
                Ok(log) => return log,
                Err(never) => match never {},
            }
        }
        LogContext::detached("stdio", self.stdio_session.clone())
            .with_replica(self.state.origin().replica.clone())
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for DriftlessMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("driftless", env!("CARGO_PKG_VERSION"))
                    .with_title("driftless reproducible search"),
            )
            .with_instructions(INSTRUCTIONS)
    }
}

/// The `/mcp` service for [`crate::app`]: stateless streamable HTTP with JSON answers.
pub fn http_service(state: AppState) -> StreamableHttpService<DriftlessMcp, NeverSessionManager> {
    let server = DriftlessMcp::new(state, None);
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(MAX_BODY_BYTES)
        // Host and Origin are checked before this service (origin.rs, from `access::guard`),
        // answering in the API's error shape and configured by serve flags.
        .disable_allowed_hosts()
        .disable_allowed_origins();
    StreamableHttpService::new(
        move || Ok(server.clone()),
        NeverSessionManager::default().into(),
        config,
    )
}

/// Serves MCP over stdin/stdout until the client closes stdin. Nothing else may write to
/// stdout meanwhile: it carries the protocol (logs go to stderr).
pub async fn serve_stdio(state: AppState, session: String) -> std::io::Result<()> {
    let server = DriftlessMcp::new(state, Some(session));
    let running = server
        .serve(rmcp::transport::stdio_pipes())
        .await
        .map_err(std::io::Error::other)?;
    running.waiting().await.map_err(std::io::Error::other)?;
    Ok(())
}
