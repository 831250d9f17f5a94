//! `driftless serve` and `driftless search`.
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use driftless_api::{Highlight, Mode, SearchRequest, Unit};
use driftless_index::Snapshot;
use driftless_querylog::{Capture, CaptureConfig, LogStore};
use driftless_server::access::{API_KEYS_ENV, Access, AccessPolicy, AnonymousAccess, KeysFile};
use driftless_server::{AppState, ConnectionLimits, ServerConfig, app, serve_with_limits};

/// Arguments of `driftless serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Snapshot directory (from `driftless build`). Repeat it to serve several snapshots
    /// side by side: the first is the default, the others answer requests pinned to their
    /// id (`x-snapshot-id` header or `snapshot=` parameter; `GET /v1/snapshots` lists them).
    #[arg(long, required = true)]
    pub snapshot: Vec<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "DRIFTLESS_ADDR")]
    pub addr: SocketAddr,
    /// Searches computed at once (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Requests that may wait for a worker before the server answers 503: a memory bound
    /// (default 4,096, or 1,024 per worker on larger machines).
    #[arg(long)]
    pub queue: Option<usize>,
    /// Query-log store: an SQLite file path (created if missing) or a postgres:// URL.
    /// Default: querylog.sqlite in the data directory ($DRIFTLESS_DATA_DIR, else
    /// $XDG_DATA_HOME/driftless, else ~/.local/share/driftless), named at start-up.
    #[arg(long, env = "DRIFTLESS_LOG_DB")]
    pub log_db: Option<String>,
    /// Where records go while the store is unreachable (replayed when it is back).
    /// Default: querylog.spill.jsonl in the data directory.
    #[arg(long)]
    pub log_spill: Option<PathBuf>,
    /// Serve without logging requests.
    #[arg(long)]
    pub no_log: bool,
    /// API keys and quotas (JSON; see `driftless keys add`). Reloaded on SIGHUP. Without it
    /// every request is admitted, with no quota.
    #[arg(long, env = "DRIFTLESS_KEYS_FILE")]
    pub keys: Option<PathBuf>,
    /// Every request's deadline in milliseconds, from its arrival (a client may ask for less
    /// with `x-request-timeout-ms`). A request predicted to finish later is refused at once
    /// with 503 `overloaded` + Retry-After; one still waiting at its deadline gets 503 `timeout`.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub request_timeout_ms: u64,
    /// Optional cap, in milliseconds, on the predicted queue wait, below the deadline (an
    /// operator's latency target). Unset: only the deadline and the queue bound refuse.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub max_queue_wait_ms: Option<u64>,
    /// Largest dense index (vectors) that `mode=dense_exact` may scan per query; over it
    /// the mode is refused with a 400 (one exact scan of 10M vectors holds a core for ~1 s).
    #[arg(long, default_value_t = driftless_server::DEFAULT_MAX_EXACT_SCAN)]
    pub max_exact_scan: usize,
    /// Connection timeouts, cap and shutdown grace; `/mcp`'s allowed Hosts and Origins.
    #[command(flatten)]
    pub connections: crate::serve_connections::ConnectionArgs,
}

impl ServeArgs {
    /// Server tuning from the flags.
    pub fn server_config(&self) -> ServerConfig {
        let mut config = self
            .workers
            .map(ServerConfig::with_workers)
            .unwrap_or_default();
        if let Some(queue) = self.queue {
            config.queue_capacity = queue;
        }
        config.request_timeout = std::time::Duration::from_millis(self.request_timeout_ms);
        config.max_exact_scan = self.max_exact_scan;
        config.max_queue_wait = self.max_queue_wait_ms.map(std::time::Duration::from_millis);
        config
    }

    /// The access policy: the keys file and `DRIFTLESS_API_KEYS`, or open access.
    pub fn access(&self) -> Result<Access> {
        let env = std::env::var(API_KEYS_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty());
        match (&self.keys, env) {
            (Some(path), env) => Access::from_file(path.clone(), env).map_err(anyhow::Error::msg),
            (None, Some(env)) => {
                let file = KeysFile {
                    anonymous: AnonymousAccess {
                        allow: false,
                        quota: None,
                    },
                    keys: Vec::new(),
                };
                let policy = AccessPolicy::new(file, Some(&env)).map_err(anyhow::Error::msg)?;
                Ok(Access::with_policy(policy))
            }
            (None, None) => Ok(Access::default()),
        }
    }
}

/// Query-log settings of `serve`.
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// Store target, or `None` to serve without logging.
    pub db: Option<String>,
    /// Spill file.
    pub spill: PathBuf,
}

impl ServeArgs {
    fn log_settings(&self) -> Result<LogSettings> {
        let spill = match &self.log_spill {
            Some(path) => path.clone(),
            None if self.no_log => PathBuf::new(),
            None => crate::data_dir::default_spill()?,
        };
        let db = match (&self.log_db, self.no_log) {
            (_, true) => None,
            (Some(db), false) => Some(db.clone()),
            (None, false) => Some(crate::data_dir::default_log_db()?.display().to_string()),
        };
        Ok(LogSettings { db, spill })
    }
}

/// Binds, answers /health at once, verifies the snapshots, then serves until SIGINT/SIGTERM.
/// A snapshot that fails verification stops the process with the reason.
pub fn run(args: &ServeArgs) -> Result<()> {
    let config = args.server_config();
    let runtime = server_runtime(&config)?;
    let log = args.log_settings()?;
    let access = args
        .access()?
        .with_mcp_origins(args.connections.mcp_origins()?);
    let snapshots = Snapshots {
        dirs: args.snapshot.clone(),
        open: serving_open_options(),
    };
    runtime.block_on(serve_snapshot(
        snapshots,
        args.addr,
        config,
        &log,
        access,
        args.connections.limits(),
        None,
    ))
}

/// Work started once the server answers from its first snapshot (quickstart's dense build).
pub type Background = Box<dyn FnOnce(AppState) + Send>;

/// The runtime of a server with `config`'s CPU pool.
///
/// Light engine jobs run on the runtime worker that holds a CPU permit (cpu_pool.rs), so
/// the runtime gets a worker per permit plus one per core: with every permit busy, the
/// others still read requests and answer 503 under overload. With only a worker per core,
/// requests queued in the runtime, where the admission check never saw them (measured at
/// 2x capacity: no 503s, admitted p99 14 s, 889 MiB RSS; docs/operations.md).
pub fn server_runtime(config: &ServerConfig) -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.cpu_workers + cores)
        .enable_all()
        .build()
}

/// Open options of a server: the ONNX Runtime library from the global `--ort-library` /
/// `DRIFTLESS_ORT_LIB` / default lookup (driftless_embed::default_ort_library), started while
/// opening, so a dense snapshot without its runtime is refused before /ready says yes.
pub fn serving_open_options() -> driftless_index::OpenOptions {
    driftless_index::OpenOptions {
        start_dense_encoder: true,
        ..driftless_index::OpenOptions::default()
    }
}

/// The snapshot directories a server answers from (the first the default) and how it opens
/// them.
#[derive(Debug, Clone)]
pub struct Snapshots {
    /// Snapshot directories, the default first.
    pub dirs: Vec<PathBuf>,
    /// Open options (the ONNX Runtime library, verification).
    pub open: driftless_index::OpenOptions,
}

pub async fn serve_snapshot(
    snapshots: Snapshots,
    addr: SocketAddr,
    config: ServerConfig,
    log: &LogSettings,
    access: Access,
    limits: ConnectionLimits,
    background: Option<Background>,
) -> Result<()> {
    let mut state = AppState::new(&config).with_access(access);
    reload_keys_on_sighup(state.clone());
    let mut capture = None;
    let mut log_line = String::from("; query log: off");
    if let Some(db) = &log.db {
        let store = LogStore::connect(db).await.with_context(|| {
            format!(
                "cannot open the query log {db}; fix it or pass --no-log to serve without logging"
            )
        })?;
        let config = CaptureConfig {
            spill_path: log.spill.clone(),
            ..CaptureConfig::default()
        };
        let size = store.size_bytes().await.unwrap_or(0);
        let handle =
            Capture::start(store.clone(), config).context("cannot start query-log capture")?;
        state = state.with_capture(handle.clone());
        // Set before the listener opens, so the first /metrics already carries the size.
        state.metrics().set_querylog_store_bytes(size);
        crate::data_dir::watch_store_size(store, state.clone());
        capture = Some(handle);
        tracing::info!(store = %crate::logs_cmd::shown(db), "logging every search and fetch");
        log_line = format!(
            "; query log: {} ({}; --log-db to move it, --no-log to stop)",
            crate::logs_cmd::shown(db),
            crate::data_dir::human_bytes(size)
        );
    }
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr}; is another server using it? pick another with --addr")
    })?;
    let local = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        tokio::select! {
            _ = shutdown_signal() => {}
            _ = stop_rx => {}
        }
    };
    let server = tokio::spawn(serve_with_limits(
        listener,
        app(state.clone()),
        shutdown,
        limits,
    ));
    let shown: Vec<String> = snapshots
        .dirs
        .iter()
        .map(|s| s.display().to_string())
        .collect();
    let shown = shown.join(", ");
    tracing::info!(%local, snapshot = %shown, "listening; verifying snapshot");
    if let Err(error) = state
        .load_snapshots_with(snapshots.dirs, snapshots.open)
        .await
    {
        let _ = stop_tx.send(());
        let _ = server.await;
        return Err(anyhow::anyhow!("refusing to serve {shown}: {error}"));
    }
    let served = state.snapshots();
    for (i, loaded) in served.iter().enumerate() {
        tracing::info!(
            snapshot_id = loaded.id(),
            documents = loaded.manifest().counts.documents,
            default = i == 0,
            "ready"
        );
    }
    if let Some(default) = served.first() {
        let others: Vec<&str> = served[1..].iter().map(|s| s.id()).collect();
        let pinned = if others.is_empty() {
            String::new()
        } else {
            format!(" (and {} for requests pinned to them)", others.join(", "))
        };
        eprintln!(
            "driftless: serving snapshot {}{pinned} on http://{local} (try: curl 'http://{local}/v1/search?q=create+index+concurrently'){log_line}",
            default.id()
        );
    }
    if let Some(start) = background {
        start(state.clone());
    }
    let served = server
        .await
        .context("server task failed")?
        .context("server failed");
    if let Some(capture) = capture {
        // In-flight requests are done: flush everything they recorded before exiting.
        let report = capture.shutdown().await;
        tracing::info!(stats = ?report.stats, pending_spill = report.pending_spill, "query log flushed");
    }
    served?;
    tracing::info!("shut down");
    Ok(())
}

/// `kill -HUP <pid>` re-reads the keys file; a broken file keeps the keys in force.
fn reload_keys_on_sighup(state: AppState) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            return;
        };
        while hangups.recv().await.is_some() {
            match state.access().reload() {
                Ok(keys) => tracing::info!(keys, "keys file reloaded"),
                Err(error) => {
                    tracing::error!(%error, "keys file not reloaded; the previous keys stay in force");
                }
            }
        }
    });
    #[cfg(not(unix))]
    let _ = state;
}

/// Resolves on SIGINT or SIGTERM (the way both `serve` and `mcp` are told to stop).
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// Arguments of `driftless search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Snapshot directory.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// The query.
    pub query: String,
    /// Number of results.
    #[arg(short, long, default_value_t = 10)]
    pub k: u32,
    /// Results to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
    /// bm25 | dense | dense_exact | hybrid (default: the snapshot's).
    #[arg(long)]
    pub mode: Option<String>,
    /// doc | passage.
    #[arg(long, default_value = "doc")]
    pub unit: String,
    /// BM25 k1 override.
    #[arg(long)]
    pub k1: Option<f32>,
    /// BM25 b override.
    #[arg(long)]
    pub b: Option<f32>,
    /// RRF k override for mode=hybrid.
    #[arg(long)]
    pub fusion_k: Option<u32>,
}

/// Runs one search in-process and prints the body the server would send.
pub fn search(args: &SearchArgs) -> Result<()> {
    let snapshot = Snapshot::open(&args.snapshot)?;
    let request = SearchRequest {
        q: args.query.clone(),
        k: args.k,
        offset: args.offset,
        mode: args
            .mode
            .as_deref()
            .map(str::parse::<Mode>)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        unit: args.unit.parse::<Unit>().map_err(anyhow::Error::msg)?,
        k1: args.k1,
        b: args.b,
        fusion_k: args.fusion_k,
        highlight: Highlight::Markdown,
        explain: false,
    };
    let response = snapshot.search(&request)?;
    println!("{}", serde_json::to_string_pretty(&response)?);
    Ok(())
}
