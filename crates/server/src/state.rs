//! Shared server state: the snapshots (once loaded; served.rs), the CPU pool, the query-log
//! capture, metrics and access policy.
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use driftless_index::{OpenError, OpenOptions, Snapshot};

use driftless_querylog::{CaptureHandle, LogStore};

use crate::access::Access;
use crate::cpu_pool::CpuPool;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::origin::Origin;
use crate::served::SnapshotSlot;
use crate::snapshot_build::BuildBoard;

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
    /// This replica's name and the load balancers whose `X-Forwarded-For` is believed.
    pub origin: Origin,
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
            origin: Origin::default(),
        }
    }
}

impl Default for ServerConfig {
    /// One permit per available core.
    fn default() -> Self {
        Self::with_workers(std::thread::available_parallelism().map_or(1, usize::from))
    }
}

/// State shared by every handler; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    snapshot: Arc<SnapshotSlot>,
    build: Arc<BuildBoard>,
    pool: CpuPool,
    capture: Option<CaptureHandle>,
    request_timeout: Duration,
    max_exact_scan: usize,
    metrics: Arc<Metrics>,
    access: Arc<Access>,
    origin: Arc<Origin>,
    /// The query-log store the console reads (sessions, dashboards), when logging is on.
    log_reader: Option<LogStore>,
    /// One console analysis at a time: a dashboard streams the whole window of the log.
    console_jobs: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// State with no snapshot yet: `/health` answers, `/ready` and `/v1/*` answer 503 until
    /// [`AppState::set_snapshot`] or [`AppState::load_snapshot`] succeeds.
    pub fn new(config: &ServerConfig) -> Self {
        Self {
            snapshot: Arc::new(SnapshotSlot::new()),
            build: Arc::new(BuildBoard::default()),
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
            origin: Arc::new(config.origin.clone()),
            log_reader: None,
            console_jobs: Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    /// The replica name and trusted proxies in force.
    pub fn origin(&self) -> &Origin {
        &self.origin
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

    /// Lets the console read `store` (the store the capture writes to).
    #[must_use]
    pub fn with_log_reader(mut self, store: LogStore) -> Self {
        self.log_reader = Some(store);
        self
    }

    /// The store the console reads, when logging is on.
    pub fn log_reader(&self) -> Option<&LogStore> {
        self.log_reader.as_ref()
    }

    /// The permit a console analysis holds while it runs.
    pub(crate) fn console_jobs(&self) -> &tokio::sync::Semaphore {
        &self.console_jobs
    }

    /// The query-log capture, when logging is on.
    pub fn capture(&self) -> Option<&CaptureHandle> {
        self.capture.as_ref()
    }

    /// State serving an already opened snapshot.
    pub fn with_snapshot(snapshot: Snapshot, config: &ServerConfig) -> Self {
        let state = Self::new(config);
        state.set_snapshot(snapshot);
        state
    }

    /// Installs the first snapshot; `false` if one was already installed (or loading
    /// failed), in which case `snapshot` is dropped. Replacing a served snapshot is
    /// [`AppState::switch_snapshot`].
    pub fn set_snapshot(&self, snapshot: Snapshot) -> bool {
        self.snapshot.install(vec![Arc::new(snapshot)])
    }

    /// Serves `snapshot` by default from now on and returns the default it replaces (`None`
    /// if none was served). Requests already running finish on the snapshot they started
    /// with; every body names its snapshot id, so clients see which one answered; requests
    /// pinned to the replaced snapshot keep getting it.
    pub fn switch_snapshot(&self, snapshot: Snapshot) -> Option<Arc<Snapshot>> {
        let new = Arc::new(snapshot);
        let to = new.id().to_owned();
        let old = self.snapshot.switch(new);
        tracing::info!(from = old.as_ref().map(|s| s.id()), %to, "switched snapshot");
        old
    }

    /// The background build behind the served snapshot (`GET /v1/snapshot/build`).
    pub fn build_board(&self) -> &BuildBoard {
        &self.build
    }

    /// Opens and verifies the snapshot at `dir` on the blocking pool, then installs it.
    /// On failure `/ready` reports the error until the process exits.
    pub async fn load_snapshot(&self, dir: PathBuf) -> Result<(), OpenError> {
        self.load_snapshots_with(vec![dir], OpenOptions::default())
            .await
    }

    /// [`AppState::load_snapshot`] with explicit open options (e.g. the ONNX Runtime
    /// library of a dense snapshot).
    pub async fn load_snapshot_with(
        &self,
        dir: PathBuf,
        options: OpenOptions,
    ) -> Result<(), OpenError> {
        self.load_snapshots_with(vec![dir], options).await
    }

    /// Opens and verifies every snapshot of `dirs` (the first is the default), then
    /// installs them together: the server is ready once all are. Two directories holding
    /// the same snapshot id are refused.
    pub async fn load_snapshots_with(
        &self,
        dirs: Vec<PathBuf>,
        options: OpenOptions,
    ) -> Result<(), OpenError> {
        let opened = tokio::task::spawn_blocking(move || open_all(&dirs, &options)).await;
        let opened = opened.unwrap_or_else(|join_error| {
            Err(OpenError::Io {
                path: String::from("<snapshot loader>"),
                source: std::io::Error::other(join_error.to_string()),
            })
        });
        match opened {
            Ok(snapshots) => {
                self.snapshot.install(snapshots);
                Ok(())
            }
            Err(error) => {
                self.snapshot.fail(error.to_string());
                Err(error)
            }
        }
    }

    /// The snapshot the request pinned (pin.rs), else the default; 409 for an id not
    /// served, 503 while loading or after loading failed.
    pub fn snapshot(&self) -> Result<Arc<Snapshot>, ApiError> {
        self.snapshot.get(crate::pin::current().as_deref())
    }

    /// Every snapshot served, the default first (none while loading).
    pub fn snapshots(&self) -> Vec<Arc<Snapshot>> {
        self.snapshot.all()
    }

    /// The pool that runs engine calls.
    pub fn pool(&self) -> &CpuPool {
        &self.pool
    }
}

/// Opens `dirs` in order; the same snapshot id twice is an error naming both directories.
fn open_all(dirs: &[PathBuf], options: &OpenOptions) -> Result<Vec<Arc<Snapshot>>, OpenError> {
    let mut opened: Vec<(Arc<Snapshot>, &PathBuf)> = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let snapshot = Snapshot::open_with(dir, options)?;
        if let Some((_, first)) = opened.iter().find(|(s, _)| s.id() == snapshot.id()) {
            return Err(OpenError::Io {
                path: dir.display().to_string(),
                source: std::io::Error::other(format!(
                    "holds snapshot {}, which {} holds too; serve each snapshot once",
                    snapshot.id(),
                    first.display()
                )),
            });
        }
        opened.push((Arc::new(snapshot), dir));
    }
    Ok(opened.into_iter().map(|(s, _)| s).collect())
}
