//! OpenAPI answers that several routes share, described once.
//!
//! These types are never built: they exist for their `IntoResponses` description, which
//! `#[utoipa::path(responses(...))]` merges with each route's own 200 and 4xx answers.
use std::collections::BTreeMap;
use std::marker::PhantomData;

use driftless_api::{FetchResponse, SearchResponse, TermStatsResponse};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, ToSchema};

/// The fault answers of the search routes, whose admission is by deadline (deadline.rs).
pub(crate) struct SearchFaults;

impl IntoResponses for SearchFaults {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        faults(
            "Snapshot not loaded yet (`not_ready`), or the request cannot be answered within its deadline (`overloaded`: predicted at arrival; `timeout`: passed while waiting); see `Retry-After`.",
        )
    }
}

/// The fault answers of the light engine routes (fetch, term statistics).
pub(crate) struct EngineFaults;

impl IntoResponses for EngineFaults {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        faults("Snapshot not loaded yet or queue full; see `Retry-After`.")
    }
}

/// A 500 and a 503 (`unavailable` says when) with the error body.
fn faults(unavailable: &str) -> BTreeMap<String, RefOr<Response>> {
    BTreeMap::from([
        (
            "500".to_string(),
            error_response("Fault on the server's side.").into(),
        ),
        ("503".to_string(), error_response(unavailable).into()),
    ])
}

/// An answer with the `{"error":{"code","message"}}` body.
pub(crate) fn error_response(description: &str) -> Response {
    documented_json(description, Ref::from_schema_name("ErrorBody"))
}

/// The OpenAPI description of a JSON answer whose body is the schema `body`.
fn documented_json(description: &str, body: Ref) -> Response {
    let content = ContentBuilder::new().schema(Some(RefOr::Ref(body))).build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
}

/// A body of an engine route, with what its 200 means.
pub(crate) trait EngineBody: ToSchema {
    /// The description of the 200.
    const ANSWERED: &'static str;
}

impl EngineBody for SearchResponse {
    const ANSWERED: &'static str = "Ranked results; identical requests get identical bodies.";
}

impl EngineBody for FetchResponse {
    const ANSWERED: &'static str = "The requested window of the document text.";
}

impl EngineBody for TermStatsResponse {
    const ANSWERED: &'static str = "One entry per term, in request order.";
}

/// The 200 of an engine route: the body `T`, and the headers every engine answer carries
/// (the request id, and the engine's time in `Server-Timing`, server_timing.rs).
pub(crate) struct EngineAnswer<T>(PhantomData<T>);

impl<T: EngineBody> IntoResponses for EngineAnswer<T> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let string = || ObjectBuilder::new().schema_type(Type::String);
        let mut response = documented_json(T::ANSWERED, Ref::from_schema_name(T::name()));
        let timing = HeaderBuilder::new()
            .schema(Some(string()))
            .description(Some("engine and total time in ms"))
            .build();
        let id = HeaderBuilder::new().schema(Some(string())).build();
        response
            .headers
            .insert("server-timing".into(), timing.into());
        response.headers.insert("x-request-id".into(), id.into());
        BTreeMap::from([("200".to_string(), response.into())])
    }
}
