//! `driftless mcp`: the MCP tools over stdin/stdout, for desktop clients (Claude Desktop,
//! IDEs) that spawn the server as a child process. The HTTP server offers the same tools at
//! `/mcp`; this mode needs no port.
//!
//! stdout carries the protocol, so every message of ours goes to stderr (the tracing writer
//! already does) and nothing here may `println!`.
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use driftless_index::Snapshot;
use driftless_querylog::{Capture, CaptureConfig, LogStore};
use driftless_server::{AppState, ServerConfig};

/// Arguments of `driftless mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Snapshot directory (from `driftless build`) or pack (`driftless snapshot pack`,
    /// unpacked once into --pack-cache).
    #[arg(long)]
    pub snapshot: PathBuf,
    /// Where a pack is unpacked, reused by later starts. Default:
    /// $XDG_CACHE_HOME/driftless/packs (~/.cache/driftless/packs).
    #[arg(long, env = "DRIFTLESS_PACK_CACHE", value_name = "DIR")]
    pub pack_cache: Option<PathBuf>,
    /// Query-log store: an SQLite file path or a postgres:// URL. Without it calls are not
    /// logged: a desktop client may start us in a directory we cannot write to.
    #[arg(long, env = "DRIFTLESS_LOG_DB")]
    pub log_db: Option<String>,
    /// Where records go while the store is unreachable.
    #[arg(long, default_value = "driftless-querylog.spill.jsonl")]
    pub log_spill: PathBuf,
    /// Searches computed at once (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
}

/// Verifies the snapshot, then serves MCP on stdio until the client closes stdin.
pub fn run(args: &McpArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(serve(args));
    // A blocking stdin read (when stdin is not a pipe) must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(1));
    outcome
}

async fn serve(args: &McpArgs) -> Result<()> {
    let dir = crate::serve_cmd::snapshot_dirs(
        std::slice::from_ref(&args.snapshot),
        args.pack_cache.as_deref(),
    )?
    .remove(0);
    let options = crate::serve_cmd::serving_open_options();
    let snapshot = tokio::task::spawn_blocking(move || Snapshot::open_with(&dir, &options))
        .await
        .context("snapshot loader failed")?
        .with_context(|| format!("refusing to serve {}", args.snapshot.display()))?;
    let snapshot_id = snapshot.id().to_string();
    let config = args
        .workers
        .map(ServerConfig::with_workers)
        .unwrap_or_default();
    let mut state = AppState::with_snapshot(snapshot, &config);
    let mut capture = None;
    if let Some(db) = &args.log_db {
        let store = LogStore::connect(db)
            .await
            .with_context(|| format!("cannot open the query log {db}"))?;
        let config = CaptureConfig {
            spill_path: args.log_spill.clone(),
            ..CaptureConfig::default()
        };
        let handle = Capture::start(store, config).context("cannot start query-log capture")?;
        state = state.with_capture(handle.clone());
        capture = Some(handle);
    }
    // One stdio process is one client session: name it so the log groups its calls.
    let started_ms = driftless_querylog::now_ms();
    let session = format!("stdio-{}-{started_ms}", std::process::id());
    tracing::info!(
        snapshot_id,
        session,
        logging = args.log_db.is_some(),
        "serving MCP on stdio"
    );
    // Desktop clients stop their servers with SIGTERM (after closing stdin, or instead of
    // it): either way the query log is flushed before the process exits.
    let served = tokio::select! {
        served = driftless_server::mcp::serve_stdio(state, session) => served,
        () = crate::serve_cmd::shutdown_signal() => Ok(()),
    };
    if let Some(capture) = capture {
        let report = capture.shutdown().await;
        tracing::info!(stats = ?report.stats, pending_spill = report.pending_spill, "query log flushed");
    }
    served.context("MCP stdio transport failed")
}
