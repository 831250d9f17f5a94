//! The flags of `driftless serve`, and the server and log settings they make.
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use driftless_server::ServerConfig;
use driftless_server::access::{API_KEYS_ENV, Access, AccessPolicy, AnonymousAccess, KeysFile};

/// Arguments of `driftless serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Snapshot directory (from `driftless build`) or pack (from `driftless snapshot pack`,
    /// checked and unpacked once into --pack-cache). Repeat it to serve several snapshots
    /// side by side: the first is the default, the others answer requests pinned to their
    /// id (`x-snapshot-id` header or `snapshot=` parameter; `GET /v1/snapshots` lists them).
    #[arg(long, required = true)]
    pub snapshot: Vec<PathBuf>,
    /// Where packs given to --snapshot are unpacked, one directory per snapshot id, reused
    /// by later starts. Default: $XDG_CACHE_HOME/driftless/packs (~/.cache/driftless/packs).
    #[arg(long, env = "DRIFTLESS_PACK_CACHE", value_name = "DIR")]
    pub pack_cache: Option<PathBuf>,
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
    /// Do not journal each logged request to `<spill>.journal.<n>` before queueing it. The
    /// journal (one write(2) per request) is what keeps a killed server's last
    /// answered requests; without it a SIGKILL loses up to the last 200 ms of them.
    #[arg(long)]
    pub no_log_journal: bool,
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
    /// This replica's name, when several serve behind one load balancer: every query-log
    /// record carries it and every response says it in `x-driftless-replica`.
    #[arg(long, env = "DRIFTLESS_REPLICA_ID", value_parser = replica_id)]
    pub replica_id: Option<String>,
    /// Load balancers (addresses or CIDR blocks, repeatable or comma-separated) whose
    /// `X-Forwarded-For` names the client: the query log then sees each client, not the
    /// balancer. Headers from any other peer are ignored.
    #[arg(long, env = "DRIFTLESS_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxy: Vec<driftless_server::IpBlock>,
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
        config.origin = driftless_server::Origin {
            replica: self.replica_id.as_deref().map(std::sync::Arc::from),
            trusted_proxies: self.trusted_proxy.clone(),
        };
        config
    }

    /// The access policy: the keys file and `DRIFTLESS_API_KEYS`, or open access.
    pub fn access(&self) -> Result<Access> {
        let env = std::env::var(API_KEYS_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty());
        match (&self.keys, env) {
            (Some(path), env) => Ok(Access::from_file(path.clone(), env)?),
            (None, Some(env)) => {
                let file = KeysFile {
                    anonymous: AnonymousAccess {
                        allow: false,
                        quota: None,
                    },
                    keys: Vec::new(),
                };
                let policy = AccessPolicy::new(file, Some(&env))?;
                Ok(Access::with_policy(policy))
            }
            (None, None) => Ok(Access::default()),
        }
    }
}

/// A replica id: 1 to 64 of `A-Za-z0-9._-`, so it is safe in a header, a log and a file name.
fn replica_id(text: &str) -> std::result::Result<String, String> {
    let ok = (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(text.to_string())
    } else {
        Err("use 1 to 64 letters, digits, '.', '_' or '-' (e.g. replica-2)".into())
    }
}

/// Query-log settings of `serve`.
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// Store target, or `None` to serve without logging.
    pub db: Option<String>,
    /// Spill file.
    pub spill: PathBuf,
    /// Journal every record before queueing it (crash safety).
    pub journal: bool,
}

impl ServeArgs {
    pub(crate) fn log_settings(&self) -> Result<LogSettings> {
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
        Ok(LogSettings {
            db,
            spill,
            journal: !self.no_log_journal,
        })
    }
}
