//! OpenAPI answers that several routes share, described once.
//!
//! These types are never built: they exist for their `IntoResponses` description, which
//! `#[utoipa::path(responses(...))]` merges with each route's own 200 and 4xx answers.
#![allow(dead_code)]
use driftless_api::ErrorBody;
use utoipa::IntoResponses;

/// The fault answers of the search routes, whose admission is by deadline (deadline.rs).
#[derive(IntoResponses)]
pub(crate) enum SearchFaults {
    #[response(status = 500, description = "Fault on the server's side.")]
    Internal(ErrorBody),
    #[response(
        status = 503,
        description = "Snapshot not loaded yet (`not_ready`), or the request cannot be answered within its deadline (`overloaded`: predicted at arrival; `timeout`: passed while waiting); see `Retry-After`."
    )]
    Unavailable(ErrorBody),
}

/// The fault answers of the light engine routes (fetch, term statistics).
#[derive(IntoResponses)]
pub(crate) enum EngineFaults {
    #[response(status = 500, description = "Fault on the server's side.")]
    Internal(ErrorBody),
    #[response(
        status = 503,
        description = "Snapshot not loaded yet or queue full; see `Retry-After`."
    )]
    Unavailable(ErrorBody),
}
