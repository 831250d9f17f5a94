//! `GET /v1/snapshots`: the snapshots this server answers from, the default first. A request
//! reaches another than the default by pinning its id (`x-snapshot-id` or `snapshot=`).
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use driftless_api::Mode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, json_response};
use crate::state::AppState;

/// One snapshot a server answers from.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ServedSnapshot {
    /// Its id, as in every body it answers and in `snapshot=` pins.
    pub id: String,
    /// Whether requests without a pin get it.
    pub default: bool,
    /// Documents indexed.
    pub documents: u64,
    /// Passages indexed.
    pub passages: u64,
    /// The mode of requests that name none.
    pub default_mode: Mode,
    /// Whether `mode=dense`, `dense_exact` and `hybrid` answer (it has a dense index).
    pub dense: bool,
}

/// Body of `GET /v1/snapshots`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SnapshotList {
    /// The default first, then the others in the order the server was given them.
    pub snapshots: Vec<ServedSnapshot>,
}

/// The snapshots served.
#[utoipa::path(
    get,
    path = "/v1/snapshots",
    tag = "snapshot",
    responses(
        (status = 200, description = "The snapshots this server answers from; pin one with `x-snapshot-id` or `snapshot=`.", body = SnapshotList),
        (status = 503, description = "Snapshots not loaded yet.", body = driftless_api::ErrorBody),
    )
)]
pub async fn snapshots(State(state): State<AppState>) -> Result<Response, ApiError> {
    let served = state.snapshots();
    if served.is_empty() {
        // Loading, or failed: the same 503 the other routes give.
        state.snapshot()?;
    }
    let snapshots = served
        .iter()
        .enumerate()
        .map(|(i, s)| ServedSnapshot {
            id: s.id().to_owned(),
            default: i == 0,
            documents: s.manifest().counts.documents,
            passages: s.manifest().counts.passages,
            default_mode: s.default_mode(),
            dense: s.dense_index().is_some(),
        })
        .collect();
    Ok(json_response(StatusCode::OK, &SnapshotList { snapshots }))
}
