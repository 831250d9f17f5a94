//! `driftless serve`: open the snapshots (directories or packs), bind, log, serve.
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use driftless_querylog::{Capture, CaptureConfig, LogStore};
use driftless_server::access::Access;
use driftless_server::{AppState, ConnectionLimits, ServerConfig, app, serve_with_limits};

pub use crate::serve_args::{LogSettings, ServeArgs};

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
        dirs: snapshot_dirs(&args.snapshot, args.pack_cache.as_deref())?,
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

/// The directories to serve: each directory as given, each pack unpacked into the cache
/// (checked entry by entry the first time; reused, and verified on open, afterwards).
pub fn snapshot_dirs(paths: &[PathBuf], cache: Option<&std::path::Path>) -> Result<Vec<PathBuf>> {
    // --pack-cache (or $DRIFTLESS_PACK_CACHE, read by clap), else the user cache beside the
    // models quickstart fetches.
    let cache = match cache {
        Some(dir) => dir.to_path_buf(),
        None => driftless_index::user_cache_dir()
            .unwrap_or_else(|| PathBuf::from(".cache/driftless"))
            .join("packs"),
    };
    paths
        .iter()
        .map(|path| {
            if !driftless_pack::is_pack(path) {
                return Ok(path.clone());
            }
            let (dir, fresh) = driftless_pack::unpack_cached(path, &cache)
                .with_context(|| format!("cannot serve the pack {}", path.display()))?;
            let verb = if fresh { "unpacked" } else { "reusing" };
            tracing::info!(pack = %path.display(), dir = %dir.display(), "{verb} snapshot pack");
            Ok(dir)
        })
        .collect()
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
            journal: log.journal,
            ..CaptureConfig::default()
        };
        let size = store.size_bytes().await.unwrap_or(0);
        let handle =
            Capture::start(store.clone(), config).context("cannot start query-log capture")?;
        state = state
            .with_capture(handle.clone())
            .with_log_reader(store.clone());
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
