//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` attributes and the
//! API types' schemas. The committed `openapi.yaml` is compared with it by a test.
use std::sync::LazyLock;

use driftless_api::{
    BatchItem, BatchSearchRequest, BatchSearchResponse, RetrieveItem, RetrieveRequest,
    RetrieveResponse, RetrievedDocument, ScoredDocument, SearxngResponse, SearxngResult,
    TavilyOption, TavilyRequest, TavilyResponse, TavilyResult,
};
use driftless_api::{
    BuildConfig, CanaryRecord, ErrorBody, ErrorDetail, FetchRequest, FetchResponse, FileChecksum,
    Highlight, Hit, Manifest, Mode, SearchRequest, SearchResponse, SnapshotCounts, TermStat,
    TermStatsResponse, Unit,
};
use utoipa::{Modify, OpenApi};

use crate::probe_routes::{HealthStatus, ReadyStatus};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "driftless",
        description = "Reproducible search over a frozen web corpus: the same request against the same \
            snapshot returns the same bytes. Timing and request ids travel in the `Server-Timing` and \
            `x-request-id` headers, never in bodies. Every error body is `{\"error\":{\"code\",\"message\"}}`."
    ),
    paths(
        crate::v1_routes::search_get,
        crate::v1_routes::search_post,
        crate::v1_routes::fetch,
        crate::v1_routes::term_stats,
        crate::v1_routes::snapshot,
        crate::probe_routes::health,
        crate::probe_routes::ready,
        crate::probe_routes::openapi_document,
        crate::metrics::metrics,
        crate::docs_page::docs,
        crate::compat::batch::search_batch,
        crate::compat::search_r1::retrieve,
        crate::compat::searxng::search_get,
        crate::compat::tavily::search_post,
    ),
    components(schemas(
        SearchRequest, SearchResponse, Hit, Mode, Unit, Highlight, FetchRequest, FetchResponse,
        TermStatsResponse, TermStat, Manifest, SnapshotCounts, BuildConfig, FileChecksum,
        CanaryRecord, ErrorBody, ErrorDetail, HealthStatus, ReadyStatus,
        BatchSearchRequest, BatchSearchResponse, BatchItem, RetrieveRequest, RetrieveResponse,
        RetrieveItem, RetrievedDocument, ScoredDocument, SearxngResponse, SearxngResult,
        TavilyRequest, TavilyResponse, TavilyResult, TavilyOption,
    )),
    modifiers(&DeadlineHeader),
    tags(
        (name = "search", description = "Ranked retrieval over the snapshot."),
        (name = "fetch", description = "Document text by id or URL."),
        (name = "stats", description = "Corpus statistics."),
        (name = "snapshot", description = "The snapshot being served."),
        (name = "probes", description = "Liveness, readiness and this document."),
        (name = "compat", description = "Other servers' shapes over the same search: Search-R1 `/retrieve`, SearXNG `GET /search`, Tavily `POST /search`. Each is logged under its own endpoint name."),
    )
)]
struct ApiDoc;

/// Adds the optional `x-request-timeout-ms` header (deadline.rs) to every operation that
/// runs the engine: one description instead of one per `#[utoipa::path]`.
struct DeadlineHeader;

impl Modify for DeadlineHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::Required;
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let header = ParameterBuilder::new()
            .name(crate::deadline::X_REQUEST_TIMEOUT_MS.as_str())
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "The most milliseconds this client will wait (default and maximum: the server's \
                 --request-timeout-ms, 10000 unless set; larger values are capped to it, values \
                 over 600000 are a 400). A request predicted to finish later is answered 503 \
                 `overloaded` at once; one still waiting at its deadline gets 503 `timeout`.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(crate::deadline::MAX_TIMEOUT_MS)),
            ))
            .build();
        let engine = [
            "/v1/search",
            "/v1/fetch",
            "/v1/stats/terms",
            "/v1/search/batch",
            "/retrieve",
            "/search",
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !engine.contains(&path.as_str()) {
                continue;
            }
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                operation
                    .parameters
                    .get_or_insert_with(Vec::new)
                    .push(header.clone().into());
            }
        }
    }
}

/// The OpenAPI document of every route this server answers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The OpenAPI document as YAML, as committed in `openapi.yaml`.
pub fn openapi_yaml() -> String {
    // Rendering a document built from our own types only fails on a bug; the comment keeps the
    // route answering and makes the committed-file test fail loudly.
    openapi()
        .to_yaml()
        .unwrap_or_else(|error| format!("# cannot render the OpenAPI document: {error}\n"))
}

/// Rendered once: the document never changes while the process runs.
pub(crate) fn cached_yaml() -> &'static str {
    static YAML: LazyLock<String> = LazyLock::new(openapi_yaml);
    &YAML
}
