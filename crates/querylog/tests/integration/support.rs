//! Shared helpers: records, a throwaway Postgres database, stores to run a test on, a TCP
//! proxy that can cut the connection to Postgres, and polling.
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use driftless_querylog::{LogRecord, LogStore};
use serde_json::json;
use sqlx::Connection;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

pub const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const PG_ADDR: &str = "127.0.0.1:5432";

/// A search record with ascending `ts_ms` and a unique id, for load tests.
pub fn load_record(i: usize) -> LogRecord {
    LogRecord {
        query: Some(format!("query number {i}")),
        params: json!({"k": 10}),
        snapshot_id: "snap".into(),
        latency_us: 100,
        log_id: format!("log-{i:06}"),
        ..LogRecord::new(
            1_700_000_000_000 + i as i64,
            format!("agent-{}", i % 7),
            "/v1/search",
            format!("load-{i:06}"),
        )
    }
}

/// Polls `check` every 20 ms until it holds or `timeout` passes; returns whether it held.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if start.elapsed() > timeout {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A database created for one test and dropped by [`PgDatabase::drop_now`].
#[derive(Debug)]
pub struct PgDatabase {
    pub name: String,
}

impl PgDatabase {
    /// Creates `driftless_test_<pid>_<nanos>`; `None` (with a note) when Postgres is not
    /// reachable, except under `CI`, where that is a failure.
    pub async fn create() -> Option<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!("driftless_test_{}_{}", std::process::id(), nanos);
        let mut admin = match sqlx::PgConnection::connect(PG_ADMIN).await {
            Ok(c) => c,
            Err(e) if std::env::var_os("CI").is_some() => {
                panic!("Postgres unreachable under CI: {e}")
            }
            Err(e) => {
                eprintln!(
                    "note: Postgres at {PG_ADDR} unreachable ({e}); skipping this Postgres test"
                );
                return None;
            }
        };
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        Some(Self { name })
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@{PG_ADDR}/{}", self.name)
    }

    pub fn url_via(&self, addr: &str) -> String {
        format!("postgres://postgres@{addr}/{}", self.name)
    }

    /// Drops the database now (also done on drop, so a failing test cleans up too).
    pub async fn drop_now(self) {
        drop(self);
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop cannot await: use a private runtime on its own thread. FORCE ends the test's
        // still-open pool connections.
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(PG_ADMIN).await.ok()?;
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

/// A new SQLite store at `<dir>/log.db`.
pub async fn sqlite_in(dir: &Path) -> LogStore {
    LogStore::connect(dir.join("log.db").to_str().expect("utf8"))
        .await
        .expect("connect")
}

/// Runs `test` on a new SQLite store in a temporary directory, then closes the store.
pub async fn on_sqlite(test: impl AsyncFnOnce(&LogStore)) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = sqlite_in(dir.path()).await;
    test(&store).await;
    store.close().await;
}

/// Runs `test` on a store in a new Postgres database, then closes the store and drops the
/// database. Returns at once when [`PgDatabase::create`] skips the test.
pub async fn on_postgres(test: impl AsyncFnOnce(&LogStore)) {
    let Some(db) = PgDatabase::create().await else {
        return;
    };
    let store = LogStore::connect(&db.url()).await.expect("connect");
    test(&store).await;
    store.close().await;
    db.drop_now().await;
}

/// A TCP proxy to Postgres that can be switched off: open connections are cut and new
/// ones closed at once, as when the server or the network goes away.
#[derive(Debug)]
pub struct CuttableProxy {
    pub addr: String,
    down: Arc<AtomicBool>,
    pipes: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl CuttableProxy {
    pub async fn start(upstream: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr").to_string();
        let down = Arc::new(AtomicBool::new(false));
        let pipes: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (d, p) = (Arc::clone(&down), Arc::clone(&pipes));
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                p.lock().await.push(pipe);
            }
        });
        Self {
            addr,
            down,
            pipes,
            accept,
        }
    }

    pub async fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for pipe in self.pipes.lock().await.drain(..) {
            pipe.abort();
        }
    }

    pub fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
