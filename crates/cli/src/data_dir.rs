//! Where `serve` keeps its query log when not told: a per-user data directory, never the
//! working directory (a log on by default once grew to 513 MB in whatever directory a server
//! happened to start in).
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

/// Overrides the data directory.
pub const DATA_DIR_ENV: &str = "DRIFTLESS_DATA_DIR";
/// File name of the default SQLite query log inside the data directory.
const LOG_FILE: &str = "querylog.sqlite";
/// File name of the default spill file inside the data directory.
const SPILL_FILE: &str = "querylog.spill.jsonl";

/// `$DRIFTLESS_DATA_DIR`, else `$XDG_DATA_HOME/driftless`, else `~/.local/share/driftless`.
pub fn data_dir() -> Result<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = env(DATA_DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    // The XDG spec ignores relative values: they would depend on the working directory again.
    if let Some(dir) = env("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Ok(dir.join("driftless"));
    }
    let home = env("HOME").context(
        "no data directory for the query log: set DRIFTLESS_DATA_DIR or HOME, pass --log-db, or --no-log",
    )?;
    Ok(PathBuf::from(home).join(".local/share/driftless"))
}

/// The data directory, created if missing.
fn created_data_dir() -> Result<PathBuf> {
    let dir = data_dir()?;
    std::fs::create_dir_all(&dir).with_context(|| {
        format!(
            "cannot create the data directory {} for the query log; set DRIFTLESS_DATA_DIR, pass --log-db, or --no-log",
            dir.display()
        )
    })?;
    Ok(dir)
}

/// The default query log, `<data dir>/querylog.sqlite`, creating the directory.
pub fn default_log_db() -> Result<PathBuf> {
    Ok(created_data_dir()?.join(LOG_FILE))
}

/// The default spill file, `<data dir>/querylog.spill.jsonl` (also with `--log-db`: a
/// Postgres URL has no directory to put it beside), creating the directory.
pub fn default_spill() -> Result<PathBuf> {
    Ok(created_data_dir()?.join(SPILL_FILE))
}

/// The default log for readers (`logs …`, `replay`): the file `serve` writes by default.
pub fn default_log_db_for_reading() -> Result<String> {
    Ok(data_dir()?.join(LOG_FILE).display().to_string())
}

/// Human-readable byte count (`513.2 MB`), for the startup line and reports.
pub fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}

/// How often `serve` re-measures the store for `/metrics`.
pub const STORE_SIZE_REFRESH: Duration = Duration::from_secs(60);

/// Re-measures `store` every [`STORE_SIZE_REFRESH`] into the server's metrics; the caller
/// sets the first value itself before serving (a spawned first tick could come after the
/// first scrape on a busy machine).
pub fn watch_store_size(store: driftless_querylog::LogStore, state: driftless_server::AppState) {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + STORE_SIZE_REFRESH;
        let mut ticks = tokio::time::interval_at(start, STORE_SIZE_REFRESH);
        loop {
            ticks.tick().await;
            match store.size_bytes().await {
                Ok(bytes) => state.metrics().set_querylog_store_bytes(bytes),
                Err(error) => tracing::debug!(%error, "query-log store size unavailable"),
            }
        }
    });
}
