//! Shared server state: the snapshot (once loaded) and the CPU pool.
//!
//! The snapshot sits in a `OnceLock` so the server can bind and answer `/health` while a large
//! snapshot is still being verified: orchestrators then see a live process that is not yet
//! ready, instead of a port that refuses connections.
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use driftless_index::{OpenError, OpenOptions, Snapshot};

use driftless_querylog::CaptureHandle;

use crate::access::Access;
use crate::cpu_pool::CpuPool;
use crate::error::ApiError;
use crate::metrics::Metrics;

/// Tuning of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Searches, fetches and stats computed at once (CPU permits).
    pub cpu_workers: usize,
    /// Requests allowed to wait for a permit: a memory bound, not a latency one (the
    /// deadline is that); past it the server answers 503 `overloaded`.
    pub queue_capacity: usize,
    /// Every request's deadline, counted from its arrival: a client may ask for less
    /// (`x-request-timeout-ms`). A request predicted to finish later is refused with 503
    /// `overloaded`; one still waiting at its deadline is answered 503 `timeout`.
    pub request_timeout: Duration,
    /// An operator's optional cap on the predicted queue wait, below the deadline.
    pub max_queue_wait: Option<Duration>,
    /// Largest dense index that `mode=dense_exact` may scan (every vector, per query):
    /// over it the mode is a 400, so one request cannot hold a core for seconds.
    pub max_exact_scan: usize,
}

/// Default [`ServerConfig::max_exact_scan`]: 250,000 vectors of 384 floats, ~25 ms a scan
/// on one core here: an exact reference for recall on test-sized snapshots.
pub const DEFAULT_MAX_EXACT_SCAN: usize = 250_000;

/// Default [`ServerConfig::request_timeout`]: far above any healthy answer (milliseconds),
/// low enough that a client stuck behind a flood hears back.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Default [`ServerConfig::queue_capacity`]: 4,096 waiting requests, or 1,024 per permit
/// on larger machines. A queued request holds its parsed parameters and a socket: a few
/// KiB, so the bound is a few tens of MiB, while 4,096 closed-loop clients are never
/// refused by it.
pub fn default_queue_capacity(workers: usize) -> usize {
    workers.saturating_mul(1024).max(4096)
}

impl ServerConfig {
    /// `workers` permits and the default queue.
    pub fn with_workers(workers: usize) -> Self {
        let workers = workers.max(1);
        Self {
            cpu_workers: workers,
            queue_capacity: default_queue_capacity(workers),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_queue_wait: None,
            max_exact_scan: DEFAULT_MAX_EXACT_SCAN,
        }
    }
}

impl Default for ServerConfig {
    /// One permit per available core.
    fn default() -> Self {
        Self::with_workers(std::thread::available_parallelism().map_or(1, usize::from))
    }
}

/// What became of the snapshot: set once, never replaced.
#[derive(Debug)]
enum Loaded {
    Ready(Arc<Snapshot>),
    Failed(String),
}

/// State shared by every handler; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    snapshot: Arc<OnceLock<Loaded>>,
    pool: CpuPool,
    capture: Option<CaptureHandle>,
    request_timeout: Duration,
    max_exact_scan: usize,
    metrics: Arc<Metrics>,
    access: Arc<Access>,
}

impl AppState {
    /// State with no snapshot yet: `/health` answers, `/ready` and `/v1/*` answer 503 until
    /// [`AppState::set_snapshot`] or [`AppState::load_snapshot`] succeeds.
    pub fn new(config: &ServerConfig) -> Self {
        Self {
            snapshot: Arc::new(OnceLock::new()),
            pool: CpuPool::new(
                config.cpu_workers,
                config.queue_capacity,
                config.max_queue_wait,
            ),
            capture: None,
            request_timeout: config.request_timeout,
            max_exact_scan: config.max_exact_scan,
            metrics: Arc::new(Metrics::default()),
            access: Arc::new(Access::default()),
        }
    }

    /// Admits requests by `access` (API keys, anonymous policy, quotas) instead of letting
    /// everyone in.
    #[must_use]
    pub fn with_access(mut self, access: Access) -> Self {
        self.access = Arc::new(access);
        self
    }

    /// The access policy in force (reload it with [`Access::reload`]).
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// Request and queue counters for `/metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// See [`ServerConfig::request_timeout`].
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// See [`ServerConfig::max_exact_scan`].
    pub fn max_exact_scan(&self) -> usize {
        self.max_exact_scan
    }

    /// Logs every answered search and fetch to `capture`.
    #[must_use]
    pub fn with_capture(mut self, capture: CaptureHandle) -> Self {
        self.capture = Some(capture);
        self
    }

    /// The query-log capture, when logging is on.
    pub fn capture(&self) -> Option<&CaptureHandle> {
        self.capture.as_ref()
    }

    /// State serving an already opened snapshot.
    pub fn with_snapshot(snapshot: Snapshot, config: &ServerConfig) -> Self {
        let state = Self::new(config);
        // A fresh OnceLock is empty, so this cannot be refused.
        let _ = state.snapshot.set(Loaded::Ready(Arc::new(snapshot)));
        state
    }

    /// Installs the snapshot; `false` if one was already installed (or loading failed), in
    /// which case `snapshot` is dropped: a running server never swaps snapshots, since its
    /// bodies name one snapshot id.
    pub fn set_snapshot(&self, snapshot: Snapshot) -> bool {
        self.snapshot.set(Loaded::Ready(Arc::new(snapshot))).is_ok()
    }

    /// Opens and verifies the snapshot at `dir` on the blocking pool, then installs it.
    /// On failure `/ready` reports the error until the process exits.
    pub async fn load_snapshot(&self, dir: PathBuf) -> Result<(), OpenError> {
        self.load_snapshot_with(dir, OpenOptions::default()).await
    }

    /// [`AppState::load_snapshot`] with explicit open options (e.g. the ONNX Runtime
    /// library of a dense snapshot).
    pub async fn load_snapshot_with(
        &self,
        dir: PathBuf,
        options: OpenOptions,
    ) -> Result<(), OpenError> {
        let opened = tokio::task::spawn_blocking(move || Snapshot::open_with(&dir, &options)).await;
        let opened = match opened {
            Ok(opened) => opened,
            Err(join_error) => Err(OpenError::Io {
                path: String::from("<snapshot loader>"),
                source: std::io::Error::other(join_error.to_string()),
            }),
        };
        match opened {
            Ok(snapshot) => {
                let _ = self.snapshot.set(Loaded::Ready(Arc::new(snapshot)));
                Ok(())
            }
            Err(error) => {
                let _ = self.snapshot.set(Loaded::Failed(error.to_string()));
                Err(error)
            }
        }
    }

    /// The snapshot, or 503 while it loads (or after it failed to load).
    pub fn snapshot(&self) -> Result<Arc<Snapshot>, ApiError> {
        match self.snapshot.get() {
            Some(Loaded::Ready(snapshot)) => Ok(Arc::clone(snapshot)),
            Some(Loaded::Failed(message)) => Err(ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "snapshot_unavailable",
                format!("the snapshot failed to load: {message}"),
            )),
            None => Err(ApiError::not_ready()),
        }
    }

    /// The pool that runs engine calls.
    pub fn pool(&self) -> &CpuPool {
        &self.pool
    }
}
