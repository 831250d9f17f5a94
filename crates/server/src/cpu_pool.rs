//! Bounded CPU work: a permit per core, a bounded wait queue, then the job.
//!
//! An unbounded queue would turn a burst into minutes of latency for everyone. A request is
//! answered 503 `overloaded` at once, so clients back off (as meilisearch's search queue
//! does), when the queue is full or when its expected wait is over the wait budget.
//!
//! Where the job runs depends on its weight ([`Job`]). A light job (BM25 search, fetch,
//! term statistics: 0.1-0.5 ms) runs on the runtime worker that holds its permit: handing
//! it to `spawn_blocking` and back cost two thread wake-ups, and on two cores the blocking
//! threads competed with the workers; BM25 `/retrieve` at c=8 went from 4,390 to 7,120
//! req/s inline (benches/README.md). A heavy job (query embedding, dense and hybrid
//! search: 4-10 ms) goes to `spawn_blocking`, so it never keeps a worker for that long.
//!
//! Inline jobs need a runtime with more workers than permits (`driftless serve` gives it a
//! worker per permit plus one per core): with every permit busy, the other workers still
//! read requests, queue them here where the wait budget sees them, and answer 503. With a
//! worker per core only, requests piled up unseen in the runtime's own queues: at twice
//! capacity that measured no 503s, admitted p99 14 s and 889 MiB RSS.
//!
//! Why a wait budget and not only a count: a count bounds memory but not latency, since a job
//! costs 0.3 ms (BM25) to 10 ms (hybrid). Measured at twice capacity with a 128-slot queue,
//! admitted BM25 searches waited ~50 ms (p99 83 ms). The expected wait is the number of
//! requests ahead divided by the workers, times a moving average of recent job times.
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::error::ApiError;

/// Where a job runs (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Sub-millisecond CPU work (BM25, fetch, term statistics): on the runtime worker.
    Light,
    /// Milliseconds of CPU work (query embedding, dense, hybrid): on `spawn_blocking`.
    Heavy,
}

/// A semaphore of `workers` permits plus a count of requests waiting for one.
#[derive(Debug, Clone)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
    workers: usize,
    waiting: Arc<AtomicUsize>,
    queue_capacity: usize,
    max_wait: Duration,
    /// Exponential moving average (weight 1/8) of job run times, in microseconds.
    job_micros: Arc<AtomicU64>,
}

/// Decrements the waiting count when a queued request gets its permit or is cancelled
/// (the client hung up), so abandoned requests never leak queue slots.
struct QueueSlot(Arc<AtomicUsize>);

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl CpuPool {
    /// A pool running at most `workers` jobs at once (at least one) with at most
    /// `queue_capacity` jobs waiting, and no more than `max_wait` of expected wait.
    pub fn new(workers: usize, queue_capacity: usize, max_wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(workers.max(1))),
            workers: workers.max(1),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue_capacity,
            max_wait,
            job_micros: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Expected wait of a request joining the queue behind `ahead` others.
    fn expected_wait(&self, ahead: usize) -> Duration {
        let job = self.job_micros.load(Ordering::Relaxed);
        let rounds = (ahead as u64 + 1).div_ceil(self.workers as u64);
        Duration::from_micros(job.saturating_mul(rounds))
    }

    /// Folds one job's run time into the moving average.
    fn record(&self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        // Races between workers may drop an update; an average does not need every sample.
        let old = self.job_micros.load(Ordering::Relaxed);
        let new = if old == 0 {
            micros
        } else {
            old - old / 8 + micros / 8
        };
        self.job_micros.store(new, Ordering::Relaxed);
    }

    /// Runs `job` once a permit is free, where its weight says, and returns its output
    /// with the time it took to run (queue wait excluded: that is the engine's share of
    /// `Server-Timing`).
    pub async fn run<T, F>(&self, weight: Job, job: F) -> Result<(T, Duration), ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = self.admit().await?;
        match weight {
            Job::Light => {
                let _permit = permit;
                // Like a panicking blocking task: a fault on our side, not a dropped
                // connection (the engine holds no lock a panic could poison).
                std::panic::catch_unwind(AssertUnwindSafe(|| self.timed(job)))
                    .map_err(|_| ApiError::internal(&"the search engine panicked"))
            }
            Job::Heavy => {
                let pool = self.clone();
                let joined = tokio::task::spawn_blocking(move || {
                    // The permit lives as long as the job, even if the request is cancelled.
                    let _permit = permit;
                    pool.timed(job)
                })
                .await;
                // A panic in the engine is a fault on our side; it must not take the
                // connection down.
                joined.map_err(|join_error| ApiError::internal(&join_error))
            }
        }
    }

    /// A permit now, one after a wait the budget allows, or 503 `overloaded`.
    async fn admit(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => Ok(permit),
            Err(TryAcquireError::NoPermits) => {
                let slot = QueueSlot(Arc::clone(&self.waiting));
                let ahead = self.waiting.fetch_add(1, Ordering::AcqRel);
                // One round of waiting (a request per worker) is always allowed, so slow
                // modes (hybrid: ~8 ms a job) keep a queue even under a small budget.
                let over_budget =
                    ahead >= self.workers && self.expected_wait(ahead) > self.max_wait;
                if ahead >= self.queue_capacity || over_budget {
                    drop(slot);
                    return Err(ApiError::overloaded());
                }
                let permit = Arc::clone(&self.permits)
                    .acquire_owned()
                    .await
                    .map_err(|closed| ApiError::internal(&closed))?;
                drop(slot);
                Ok(permit)
            }
            Err(TryAcquireError::Closed) => {
                Err(ApiError::internal(&"the CPU pool's semaphore is closed"))
            }
        }
    }

    /// Runs `job` here, timing it into the moving average.
    fn timed<T>(&self, job: impl FnOnce() -> T) -> (T, Duration) {
        let started = Instant::now();
        let output = job();
        let took = started.elapsed();
        self.record(took);
        (output, took)
    }

    /// Jobs that may run at once.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Jobs currently waiting for a permit.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Most jobs allowed to wait.
    pub fn queue_capacity(&self) -> usize {
        self.queue_capacity
    }

    /// Jobs running now.
    pub fn running(&self) -> usize {
        self.workers
            .saturating_sub(self.permits.available_permits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[tokio::test]
    async fn runs_jobs_and_reports_their_time() {
        let pool = CpuPool::new(2, 4, Duration::from_secs(1));
        let (value, took) = pool.run(Job::Light, || 6 * 7).await.unwrap();
        assert_eq!(value, 42);
        assert!(took < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_internal_error() {
        let pool = CpuPool::new(1, 1, Duration::from_secs(1));
        for weight in [Job::Light, Job::Heavy] {
            let error = pool
                .run(weight, || -> u32 { panic!("engine bug") })
                .await
                .unwrap_err();
            assert_eq!(error.code, "internal");
            // The permit came back: the next job runs.
            assert_eq!(pool.run(weight, || 1).await.unwrap().0, 1);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn light_jobs_run_on_the_worker_and_heavy_ones_off_it() {
        let pool = CpuPool::new(2, 4, Duration::from_secs(1));
        let here = std::thread::current().id();
        let (light, _) = pool
            .run(Job::Light, || std::thread::current().id())
            .await
            .unwrap();
        let (heavy, _) = pool
            .run(Job::Heavy, || std::thread::current().id())
            .await
            .unwrap();
        assert_eq!(light, here);
        assert_ne!(heavy, here);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_is_overloaded() {
        let pool = CpuPool::new(1, 1, Duration::from_secs(1));
        let (release, blocked) = mpsc::channel::<()>();
        let busy = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(Job::Heavy, move || blocked.recv().is_ok()).await })
        };
        // Wait until the busy job holds the only permit.
        while pool.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let queued = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(Job::Light, || 2).await })
        };
        while pool.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        let rejected = pool.run(Job::Light, || 3).await.unwrap_err();
        assert_eq!(rejected.code, "overloaded");
        assert_eq!(rejected.retry_after, Some(1));
        release.send(()).unwrap();
        assert!(busy.await.unwrap().unwrap().0);
        assert_eq!(queued.await.unwrap().unwrap().0, 2);
        assert_eq!(pool.waiting(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_queue_whose_wait_exceeds_the_budget_is_overloaded() {
        // Room for 100 waiting, but jobs take ~30 ms and the budget is 50 ms: with one
        // worker, the first request in line expects 30 ms (queued), the second 60 ms (shed).
        // (The first would be queued even over budget: one round is always allowed.)
        let pool = CpuPool::new(1, 100, Duration::from_millis(50));
        pool.record(Duration::from_millis(30));
        assert_eq!(pool.expected_wait(0), Duration::from_millis(30));
        assert_eq!(pool.expected_wait(1), Duration::from_millis(60));
        let (release, blocked) = mpsc::channel::<()>();
        let busy = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(Job::Heavy, move || blocked.recv().is_ok()).await })
        };
        while pool.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let queued = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(Job::Light, || 2).await })
        };
        while pool.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        let rejected = pool.run(Job::Light, || 3).await.unwrap_err();
        assert_eq!(rejected.code, "overloaded");
        release.send(()).unwrap();
        assert!(busy.await.unwrap().unwrap().0);
        assert_eq!(queued.await.unwrap().unwrap().0, 2);
    }

    #[test]
    fn the_job_time_is_a_moving_average() {
        let pool = CpuPool::new(2, 10, Duration::from_millis(20));
        assert_eq!(
            pool.expected_wait(5),
            Duration::ZERO,
            "no job seen yet: admit"
        );
        pool.record(Duration::from_micros(800));
        pool.record(Duration::from_micros(1600));
        assert_eq!(pool.job_micros.load(Ordering::Relaxed), 800 - 100 + 200);
        // Two workers: 3 ahead + this one is two rounds.
        assert_eq!(pool.expected_wait(3), Duration::from_micros(1800));
    }
}
