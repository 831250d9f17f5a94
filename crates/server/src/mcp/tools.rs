//! The MCP tools: `search`, `fetch` and `get_document`.
//!
//! Each tool only translates arguments into the API request types, calls the one service
//! ([`AppState::search_logged`] / [`AppState::fetch_logged`]) under its own endpoint name and
//! translates the answer back, so a query ranks the same documents through MCP as through
//! `/v1/search`. Argument and engine errors become tool results with `isError: true` (the
//! model reads them and can correct itself); only an unknown tool is a JSON-RPC error.
use driftless_api::{FetchRequest, FetchResponse, MAX_FETCH_CHARS, SearchRequest};
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};

use super::DriftlessMcp;
use super::schema::{
    DocumentOutput, FetchMetadata, FetchOutput, FetchParams, GetDocumentParams, SearchOutput,
    SearchParams, SearchResult,
};
use crate::error::ApiError;
use crate::error_code::ErrorCode;

/// Endpoint names under which MCP calls are recorded in the query log.
pub const SEARCH_ENDPOINT: &str = "mcp:search";
/// See [`SEARCH_ENDPOINT`].
pub const FETCH_ENDPOINT: &str = "mcp:fetch";
/// See [`SEARCH_ENDPOINT`].
pub const GET_DOCUMENT_ENDPOINT: &str = "mcp:get_document";

const SEARCH_DESCRIPTION: &str = "\
Search a frozen, versioned document collection (a snapshot of real web pages). Returns JSON \
{\"snapshot\",\"query\",\"mode\",\"unit\",\"results\":[{\"id\",\"title\",\"url\",\"snippet\",\"score\",\"rank\"}]}, \
best first. Pass a result's `id` to `fetch` (or `get_document`) to read the page. \
Results are deterministic: the same arguments against the same snapshot always return the same \
results, so re-running a query gives nothing new; reformulate it instead. \
Query syntax: bare keywords (ranked, any may match; prefer distinctive words over \
questions), \"exact phrase\", -excluded, -\"excluded phrase\", \"a b\" OR \"c d\", \
site:docs.python.org or site:www.postgresql.org/docs/15 (host or URL prefix); the operators \
hold in every mode. term^2 weights a term (BM25; `term_stats` tells which terms are rare). \
Snippets mark matched terms with **bold**.";

const FETCH_DESCRIPTION: &str = "\
Read the clean text of one page found by `search`. `id` is a search result's id (its doc_id), \
or a canonical page URL starting with http:// or https://. Returns JSON \
{\"id\",\"title\",\"text\",\"url\",\"metadata\":{\"snapshot\",\"offset\",\"total_chars\",\"next_offset\"}}. \
Long pages come in windows of `max_chars` characters (default 20000): when metadata.next_offset \
is present, call again with offset=next_offset to read on. Deterministic: the same page and window \
always return the same text.";

const GET_DOCUMENT_DESCRIPTION: &str = "\
Retrieve a full document by its docid (the `id` of a `search` result). Returns JSON \
{\"docid\",\"title\",\"url\",\"text\",\"total_chars\"} with the whole clean text of the page \
(up to 1,000,000 characters). Prefer `fetch` with max_chars for long pages.";

/// The error result the model reads: the same `{"error":{"code","message"}}` body as REST.
fn tool_error(error: &ApiError) -> CallToolResult {
    let body =
        serde_json::json!({ "error": { "code": error.code.as_str(), "message": error.message } });
    CallToolResult::error(vec![ContentBlock::text(body.to_string())])
}

/// `value` of the id argument `name`, refused when blank.
fn non_empty<'a>(name: &str, value: &'a str) -> Result<&'a str, CallToolResult> {
    if value.trim().is_empty() {
        let message = format!(
            "invalid parameter `{name}`: must not be empty; pass the `id` of a search result"
        );
        return Err(tool_error(&ApiError::new(
            ErrorCode::InvalidParameter,
            message,
        )));
    }
    Ok(value)
}

/// The `snapshot` argument, checked: the pin the call runs under (pin.rs).
fn pin_argument(snapshot: Option<&str>) -> Result<Option<String>, CallToolResult> {
    snapshot
        .map(|id| crate::pin::validate(id, "argument `snapshot`"))
        .transpose()
        .map_err(|e| tool_error(&e))
}

/// `id` as a fetch request: a URL-shaped id is looked up as a canonical URL.
fn fetch_request(id: &str, offset: u64, max_chars: Option<u64>) -> FetchRequest {
    let is_url = id.starts_with("https://") || id.starts_with("http://");
    FetchRequest {
        doc_id: (!is_url).then(|| id.to_string()),
        url: is_url.then(|| id.to_string()),
        offset,
        max_chars,
    }
}

impl DriftlessMcp {
    /// The fetch service's answer to `request` under `endpoint`, pinned to the `snapshot`
    /// argument and logged with the call's context: what `fetch` and `get_document` share.
    async fn fetch_pinned(
        &self,
        request: FetchRequest,
        snapshot: Option<&str>,
        context: &RequestContext<RoleServer>,
        endpoint: &str,
    ) -> Result<FetchResponse, CallToolResult> {
        let pin = pin_argument(snapshot)?;
        let log = self.log_context(context).await;
        crate::pin::scope(pin, self.state.fetch_logged(request, &log, endpoint))
            .await
            .map(|answer| answer.body)
            .map_err(|e| tool_error(&e))
    }
}

#[tool_router(vis = "pub(super)")]
impl DriftlessMcp {
    #[tool(
        name = "search",
        description = SEARCH_DESCRIPTION,
        annotations(title = "Search the snapshot", read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn search(
        &self,
        Parameters(params): Parameters<SearchParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<SearchOutput>, CallToolResult> {
        let mut request = SearchRequest::new(params.query);
        if let Some(k) = params.k {
            request.k = k;
        }
        request.offset = params.offset.unwrap_or(0);
        request.mode = params.mode.map(Into::into);
        if let Some(unit) = params.unit {
            request.unit = unit.into();
        }
        let pin = pin_argument(params.snapshot.as_deref())?;
        let log = self.log_context(&context).await;
        let answer = crate::pin::scope(
            pin,
            self.state.search_logged(request, &log, SEARCH_ENDPOINT),
        )
        .await
        .map_err(|e| tool_error(&e))?;
        let body = answer.body;
        Ok(Json(SearchOutput {
            snapshot: body.snapshot,
            query: body.query,
            mode: body.mode.as_str().to_string(),
            unit: body.unit.as_str().to_string(),
            results: body.results.into_iter().map(SearchResult::from).collect(),
        }))
    }

    #[tool(
        name = "fetch",
        description = FETCH_DESCRIPTION,
        annotations(title = "Read a page", read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn fetch(
        &self,
        Parameters(params): Parameters<FetchParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<FetchOutput>, CallToolResult> {
        let id = non_empty("id", &params.id)?;
        let request = fetch_request(id, params.offset.unwrap_or(0), params.max_chars);
        let body = self
            .fetch_pinned(
                request,
                params.snapshot.as_deref(),
                &context,
                FETCH_ENDPOINT,
            )
            .await?;
        let end = body.offset + body.text.chars().count() as u64;
        Ok(Json(FetchOutput {
            id: body.doc_id,
            title: body.title,
            text: body.text,
            url: body.url,
            metadata: FetchMetadata {
                snapshot: body.snapshot,
                offset: body.offset,
                total_chars: body.total_chars,
                next_offset: (end < body.total_chars).then_some(end),
            },
        }))
    }

    #[tool(
        name = "get_document",
        description = GET_DOCUMENT_DESCRIPTION,
        annotations(title = "Get a whole document", read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn get_document(
        &self,
        Parameters(params): Parameters<GetDocumentParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<DocumentOutput>, CallToolResult> {
        let docid = non_empty("docid", &params.docid)?;
        let request = fetch_request(docid, 0, Some(MAX_FETCH_CHARS));
        let body = self
            .fetch_pinned(
                request,
                params.snapshot.as_deref(),
                &context,
                GET_DOCUMENT_ENDPOINT,
            )
            .await?;
        Ok(Json(DocumentOutput {
            docid: body.doc_id,
            title: body.title,
            url: body.url,
            text: body.text,
            total_chars: body.total_chars,
        }))
    }
}
