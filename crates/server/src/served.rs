//! The snapshots a server answers from: one or several (`serve --snapshot a --snapshot b`),
//! the first the default, the others reached by pinning their id (pin.rs).
//!
//! The slot starts empty so the server can bind and answer `/health` while a large snapshot
//! is still being verified. A handler takes its snapshot once and keeps the `Arc`, so when
//! [`SnapshotSlot::switch`] makes another the default, every request in flight still answers
//! from the one it started with. The replaced default stays served for clients pinned to it.
use std::sync::{Arc, PoisonError, RwLock};

use driftless_index::Snapshot;

use crate::error::ApiError;
use crate::error_code::ErrorCode;

/// What became of the snapshots.
#[derive(Debug, Clone)]
enum Loaded {
    Loading,
    /// Default first; ids are distinct.
    Ready(Vec<Arc<Snapshot>>),
    Failed(String),
}

/// The snapshots of a server, shared by every handler.
#[derive(Debug)]
pub(crate) struct SnapshotSlot {
    loaded: RwLock<Loaded>,
}

impl SnapshotSlot {
    /// Nothing loaded yet.
    pub fn new() -> Self {
        Self {
            loaded: RwLock::new(Loaded::Loading),
        }
    }

    /// Installs the first snapshots (the default first); `false` if the slot was set before.
    pub fn install(&self, snapshots: Vec<Arc<Snapshot>>) -> bool {
        self.set_once(Loaded::Ready(snapshots))
    }

    /// Records why loading failed; `/ready` and `/v1/*` report it until the process exits.
    pub fn fail(&self, message: String) -> bool {
        self.set_once(Loaded::Failed(message))
    }

    fn set_once(&self, loaded: Loaded) -> bool {
        let mut slot = self.loaded.write().unwrap_or_else(PoisonError::into_inner);
        if matches!(*slot, Loaded::Loading) {
            *slot = loaded;
            true
        } else {
            false
        }
    }

    /// Makes `new` the default and returns the previous default, which stays served for
    /// pinned requests (a snapshot of the same id is replaced).
    pub fn switch(&self, new: Arc<Snapshot>) -> Option<Arc<Snapshot>> {
        let mut slot = self.loaded.write().unwrap_or_else(PoisonError::into_inner);
        let mut served = match &*slot {
            Loaded::Ready(served) => served.clone(),
            Loaded::Loading | Loaded::Failed(_) => Vec::new(),
        };
        let previous = served.first().cloned();
        served.retain(|s| s.id() != new.id());
        served.insert(0, new);
        *slot = Loaded::Ready(served);
        previous
    }

    /// The snapshot `pin` names, else the default; 409 for an id not served, 503 while
    /// loading or after loading failed.
    pub fn get(&self, pin: Option<&str>) -> Result<Arc<Snapshot>, ApiError> {
        let slot = self.loaded.read().unwrap_or_else(PoisonError::into_inner);
        let served = match &*slot {
            Loaded::Ready(served) => served,
            Loaded::Failed(message) => {
                return Err(ApiError::new(
                    ErrorCode::SnapshotUnavailable,
                    format!("the snapshot failed to load: {message}"),
                ));
            }
            Loaded::Loading => return Err(ApiError::not_ready()),
        };
        let found = match pin {
            None => served.first(),
            Some(id) => served.iter().find(|s| s.id() == id),
        };
        match (found, pin) {
            (Some(snapshot), _) => Ok(Arc::clone(snapshot)),
            (None, Some(id)) => Err(mismatch(id, served)),
            (None, None) => Err(ApiError::not_ready()),
        }
    }

    /// Every snapshot served, the default first (empty while loading).
    pub fn all(&self) -> Vec<Arc<Snapshot>> {
        match &*self.loaded.read().unwrap_or_else(PoisonError::into_inner) {
            Loaded::Ready(served) => served.clone(),
            Loaded::Loading | Loaded::Failed(_) => Vec::new(),
        }
    }
}

/// 409 `snapshot_mismatch`: the pinned id is not among those served, which it names.
fn mismatch(wanted: &str, served: &[Arc<Snapshot>]) -> ApiError {
    let list: Vec<String> = served
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 0 {
                format!("{} (default)", s.id())
            } else {
                s.id().to_owned()
            }
        })
        .collect();
    ApiError::new(
        ErrorCode::SnapshotMismatch,
        format!(
            "snapshot {wanted} is not served here; this server serves {}. Drop the pin to get the default, or send the request to a server of {wanted}",
            list.join(", ")
        ),
    )
}
