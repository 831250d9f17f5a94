//! What the load examples (loadmix, overload) share: their command line, the two ways of
//! offering load (closed loop and open loop), latency percentiles and the server's RSS.
//! Each example includes it with `#[path = "load/mod.rs"]`; what a request is and how its
//! answer is tallied stays in the example.
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The value after `name` on the command line.
pub fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The value after `name`, parsed; `None` when absent or unreadable.
pub fn parsed<T: FromStr>(args: &[String], name: &str) -> Option<T> {
    arg(args, name).and_then(|value| value.parse().ok())
}

/// The server's base URL: the first argument when it is one, else the default address.
pub fn base_url(args: &[String]) -> String {
    args.get(1)
        .filter(|a| a.starts_with("http"))
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into())
}

/// One request of a load, the `i`-th sent (the example picks its query and kind from `i`
/// and tallies the answer).
pub trait Load: Send + Sync + 'static {
    fn request(&self, i: u64) -> impl Future<Output = ()> + Send;
}

/// `clients` connections for `seconds`, each sending its next request as soon as the last
/// one is answered; client `w` sends requests `w`, `w + clients`, ….
pub async fn closed_loop<L: Load>(load: &Arc<L>, clients: u64, seconds: f64) {
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let mut workers = Vec::new();
    for w in 0..clients {
        let load = Arc::clone(load);
        workers.push(tokio::spawn(async move {
            let mut i = w;
            while Instant::now() < until {
                load.request(i).await;
                i += clients;
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
}

/// `rate` requests per second for `seconds` on a fixed schedule, whether or not earlier ones
/// were answered (as a fleet of rollouts sends them); returns how many were sent.
pub async fn open_loop<L: Load>(load: &Arc<L>, rate: f64, seconds: f64) -> u64 {
    let interval = Duration::from_secs_f64(1.0 / rate);
    let started = Instant::now();
    let total = (rate * seconds) as u64;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        tokio::time::sleep_until((started + interval.mul_f64(i as f64)).into()).await;
        let load = Arc::clone(load);
        tasks.spawn(async move { load.request(i).await });
        // Reap the finished ones as we go, so the set holds only requests in flight.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    total
}

/// p50, p99 and the maximum of latencies, in ms (NaN when there are none).
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latency {
    /// Of latencies in µs, sorted ascending.
    pub fn of(sorted_us: &[u64]) -> Self {
        let percentile = |p: f64| {
            if sorted_us.is_empty() {
                return f64::NAN;
            }
            let rank = ((p / 100.0) * (sorted_us.len() - 1) as f64).round() as usize;
            sorted_us[rank] as f64 / 1000.0
        };
        Self {
            p50: percentile(50.0),
            p99: percentile(99.0),
            max: percentile(100.0),
        }
    }
}

/// Samples a process's RSS every 200 ms and keeps the peak.
pub struct RssSampler {
    start_kib: Option<u64>,
    peak_kib: Arc<AtomicU64>,
    task: Option<tokio::task::JoinHandle<()>>,
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl RssSampler {
    /// Starts sampling `pid` (nothing without one).
    pub fn start(pid: Option<u32>) -> Self {
        let peak_kib = Arc::new(AtomicU64::new(0));
        let start_kib = pid.and_then(rss_kib);
        let task = pid.map(|pid| {
            let peak = Arc::clone(&peak_kib);
            tokio::spawn(async move {
                loop {
                    if let Some(kib) = rss_kib(pid) {
                        peak.fetch_max(kib, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        });
        Self {
            start_kib,
            peak_kib,
            task,
        }
    }

    /// Stops sampling: the peak is the peak of the load, not of the report after it.
    pub fn stop(&self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }

    /// `server RSS: <start> MiB at start, peak <peak> MiB`, when the process was sampled.
    pub fn report(&self) -> Option<String> {
        self.start_kib.map(|start| {
            format!(
                "server RSS: {} MiB at start, peak {} MiB",
                start / 1024,
                self.peak_kib.load(Ordering::Relaxed) / 1024
            )
        })
    }
}
