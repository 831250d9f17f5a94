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
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Required};
use utoipa::{Modify, OpenApi};

use crate::probe_routes::{HealthStatus, ReadyStatus};
use crate::route_docs::error_response;
use crate::snapshot_build::{BuildState, BuildStatus, BuildStatusBody};
use crate::snapshots_route::{ServedSnapshot, SnapshotList};

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
        crate::snapshot_build::build_status,
        crate::snapshots_route::snapshots,
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
        BuildStatusBody, BuildStatus, BuildState, SnapshotList, ServedSnapshot,
        BatchSearchRequest, BatchSearchResponse, BatchItem, RetrieveRequest, RetrieveResponse,
        RetrieveItem, RetrievedDocument, ScoredDocument, SearxngResponse, SearxngResult,
        TavilyRequest, TavilyResponse, TavilyResult, TavilyOption,
    )),
    modifiers(&DeadlineHeader, &SnapshotPin),
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
        let header = optional_parameter(
            crate::deadline::X_REQUEST_TIMEOUT_MS.as_str(),
            ParameterIn::Header,
            "The most milliseconds this client will wait (default and maximum: the server's \
             --request-timeout-ms, 10000 unless set; larger values are capped to it, values \
             over 600000 are a 400). A request predicted to finish later is answered 503 \
             `overloaded` at once; one still waiting at its deadline gets 503 `timeout`.",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(crate::deadline::MAX_TIMEOUT_MS))
                .build(),
        );
        let engine = [
            "/v1/search",
            "/v1/fetch",
            "/v1/stats/terms",
            "/v1/search/batch",
            "/retrieve",
            "/search",
        ];
        for operation in operations(openapi, &engine) {
            operation
                .parameters
                .get_or_insert_with(Vec::new)
                .push(header.clone());
        }
    }
}

/// Adds the optional snapshot pin (pin.rs) to every operation that reads a snapshot: the
/// `x-snapshot-id` header, the `snapshot` query parameter and their 409.
struct SnapshotPin;

impl Modify for SnapshotPin {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let id = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[A-Za-z0-9_-]{1,64}$"))
            .build();
        let describe = "Require this snapshot id (as in every body's `snapshot`; `GET /v1/snapshots` \
             lists those served): answered from it, or 409 `snapshot_mismatch` naming the served \
             ones. Header and parameter may both be given; if they differ, 409. Default: the server's \
             default snapshot.";
        let header = optional_parameter(
            crate::pin::X_SNAPSHOT_ID.as_str(),
            ParameterIn::Header,
            describe,
            id.clone(),
        );
        let query =
            optional_parameter(crate::pin::SNAPSHOT_PARAM, ParameterIn::Query, describe, id);
        let conflict = error_response(
            "The pinned snapshot is not served here, or the header and the parameter pin different ones (`snapshot_mismatch`).",
        );
        let malformed = error_response("A malformed or repeated snapshot pin.");
        let pinned = [
            "/v1/search",
            "/v1/fetch",
            "/v1/stats/terms",
            "/v1/search/batch",
            "/v1/snapshot",
            "/retrieve",
            "/search",
        ];
        for operation in operations(openapi, &pinned) {
            let parameters = operation.parameters.get_or_insert_with(Vec::new);
            parameters.push(query.clone());
            parameters.push(header.clone());
            let responses = &mut operation.responses.responses;
            responses.insert("409".into(), conflict.clone().into());
            responses
                .entry("400".into())
                .or_insert_with(|| malformed.clone().into());
        }
    }
}

/// An optional parameter the modifiers add to many operations.
fn optional_parameter(
    name: &str,
    place: ParameterIn,
    description: &str,
    schema: Object,
) -> RefOr<Parameter> {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
        .into()
}

/// The GET and POST operations of `paths`: those a modifier adds its parameters to.
fn operations<'a>(
    openapi: &'a mut utoipa::openapi::OpenApi,
    paths: &'a [&str],
) -> impl Iterator<Item = &'a mut Operation> {
    openapi
        .paths
        .paths
        .iter_mut()
        .filter(|(path, _)| paths.contains(&path.as_str()))
        .flat_map(|(_, item)| {
            [item.get.as_mut(), item.post.as_mut()]
                .into_iter()
                .flatten()
        })
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
