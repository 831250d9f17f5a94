//! A snapshot being built behind the served one, and `GET /v1/snapshot/build`.
//!
//! `driftless quickstart` serves a BM25 snapshot within seconds of starting and builds the
//! dense one behind it (embedding takes minutes); when that one is built and verified the
//! server switches to it ([`crate::AppState::switch_snapshot`]). This board is where the
//! build reports its phase and progress, so a client or a person with curl sees when hybrid
//! arrives and which snapshot replaced which.
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::json_response;
use crate::state::AppState;

/// Where a background build stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuildState {
    /// Still working (see `phase`).
    Building,
    /// Built, verified and now served.
    Switched,
    /// Stopped with an error (see `message`); the served snapshot stays.
    Failed,
}

/// A background build of a snapshot that will replace the served one.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BuildStatus {
    /// Building, switched or failed.
    pub state: BuildState,
    /// What the new snapshot adds, e.g. `dense` (then `mode=dense` and `hybrid` work).
    pub adds: String,
    /// The snapshot it replaces.
    pub replaces: String,
    /// The phase reached: `fetching_model`, `embedding`, `indexing` or `verifying`.
    pub phase: String,
    /// Steps of the phase done (passages while embedding).
    pub done: u64,
    /// Steps of the phase in all; 0 when unknown.
    pub total: u64,
    /// Seconds since the build started.
    pub elapsed_seconds: f64,
    /// Seconds the phase still needs at its rate so far, when that can be told.
    pub eta_seconds: Option<f64>,
    /// The id of the snapshot served since the switch.
    pub snapshot: Option<String>,
    /// Why the build failed, and what to do.
    pub message: Option<String>,
}

/// Body of `GET /v1/snapshot/build`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BuildStatusBody {
    /// Id of the snapshot answering requests now (none while the first one loads).
    pub serving: Option<String>,
    /// The background build of this process, if there was one.
    pub build: Option<BuildStatus>,
}

#[derive(Debug)]
struct Tracked {
    status: BuildStatus,
    started: Instant,
    phase_started: Instant,
    /// `done` when the phase's rate started counting (a resumed embedding starts above 0).
    phase_base: Option<u64>,
}

/// The progress of this process' background build; shared through [`AppState`].
#[derive(Debug, Default)]
pub struct BuildBoard {
    tracked: Mutex<Option<Tracked>>,
}

impl BuildBoard {
    /// A build of a snapshot adding `adds` to the served `replaces` has started.
    pub fn start(&self, adds: &str, replaces: &str) {
        let now = Instant::now();
        let status = BuildStatus {
            state: BuildState::Building,
            adds: adds.to_owned(),
            replaces: replaces.to_owned(),
            phase: String::from("starting"),
            done: 0,
            total: 0,
            elapsed_seconds: 0.0,
            eta_seconds: None,
            snapshot: None,
            message: None,
        };
        *self.lock() = Some(Tracked {
            status,
            started: now,
            phase_started: now,
            phase_base: None,
        });
    }

    /// The build entered `phase` of `total` steps (0: unknown).
    pub fn phase(&self, phase: &str, total: u64) {
        self.update(|t| {
            t.status.phase = phase.to_owned();
            t.status.done = 0;
            t.status.total = total;
            t.phase_started = Instant::now();
            t.phase_base = None;
        });
    }

    /// `done` of `total` steps of the phase are done.
    pub fn progress(&self, done: u64, total: u64) {
        self.update(|t| {
            if t.phase_base.is_none() {
                t.phase_base = Some(done);
                t.phase_started = Instant::now();
            }
            t.status.done = done;
            t.status.total = total;
        });
    }

    /// The new snapshot `id` is served now.
    pub fn switched(&self, id: &str) {
        self.update(|t| {
            t.status.state = BuildState::Switched;
            t.status.snapshot = Some(id.to_owned());
        });
    }

    /// The build stopped: `message` says why and what to do.
    pub fn failed(&self, message: &str) {
        self.update(|t| {
            t.status.state = BuildState::Failed;
            t.status.message = Some(message.to_owned());
        });
    }

    /// Where the build stands now, if there is one.
    pub fn status(&self) -> Option<BuildStatus> {
        let guard = self.lock();
        let tracked = guard.as_ref()?;
        let mut status = tracked.status.clone();
        status.elapsed_seconds = round1(tracked.started.elapsed().as_secs_f64());
        status.eta_seconds = match (status.state, tracked.phase_base) {
            (BuildState::Building, Some(base)) if status.total > status.done => {
                let rate = status.done.saturating_sub(base) as f64
                    / tracked.phase_started.elapsed().as_secs_f64().max(1e-3);
                (rate > 0.0).then(|| round1((status.total - status.done) as f64 / rate))
            }
            _ => None,
        };
        Some(status)
    }

    fn update(&self, change: impl FnOnce(&mut Tracked)) {
        if let Some(tracked) = self.lock().as_mut() {
            change(tracked);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Tracked>> {
        self.tracked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The snapshot served now and the background build behind it.
#[utoipa::path(
    get,
    path = "/v1/snapshot/build",
    tag = "snapshot",
    responses(
        (status = 200, description = "The served snapshot's id and this process' background build (`driftless quickstart` builds the dense snapshot behind a BM25 one and switches to it when it is verified).", body = BuildStatusBody),
    )
)]
pub async fn build_status(State(state): State<AppState>) -> Response {
    let body = BuildStatusBody {
        serving: state.snapshot().ok().map(|s| s.id().to_owned()),
        build: state.build_board().status(),
    };
    json_response(StatusCode::OK, &body)
}
