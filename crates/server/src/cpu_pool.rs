//! Bounded CPU work: a permit per core, a bounded wait queue, then `spawn_blocking`.
//!
//! Searches are CPU-bound; running them on the reactor would stall every connection, and an
//! unbounded queue would turn a burst into minutes of latency for everyone. Past the queue's
//! capacity the server answers 503 `overloaded` at once, so clients back off (as meilisearch's
//! search queue does).
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, TryAcquireError};

use crate::error::ApiError;

/// A semaphore of `workers` permits plus a count of requests waiting for one.
#[derive(Debug, Clone)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
    workers: usize,
    waiting: Arc<AtomicUsize>,
    queue_capacity: usize,
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
    /// `queue_capacity` jobs waiting.
    pub fn new(workers: usize, queue_capacity: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(workers.max(1))),
            workers: workers.max(1),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue_capacity,
        }
    }

    /// Runs `job` on the blocking pool once a permit is free and returns its output with the
    /// time it took to run (queue wait excluded: that is the engine's share of `Server-Timing`).
    pub async fn run<T, F>(&self, job: F) -> Result<(T, Duration), ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(TryAcquireError::NoPermits) => {
                let slot = QueueSlot(Arc::clone(&self.waiting));
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue_capacity {
                    drop(slot);
                    return Err(ApiError::overloaded());
                }
                let permit = Arc::clone(&self.permits)
                    .acquire_owned()
                    .await
                    .map_err(|closed| ApiError::internal(&closed))?;
                drop(slot);
                permit
            }
            Err(TryAcquireError::Closed) => {
                return Err(ApiError::internal(&"the CPU pool's semaphore is closed"));
            }
        };
        let joined = tokio::task::spawn_blocking(move || {
            // The permit lives as long as the job, even if the request is cancelled meanwhile.
            let _permit = permit;
            let started = Instant::now();
            let output = job();
            (output, started.elapsed())
        })
        .await;
        // A panic in the engine is a fault on our side; it must not take the connection down.
        joined.map_err(|join_error| ApiError::internal(&join_error))
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
        let pool = CpuPool::new(2, 4);
        let (value, took) = pool.run(|| 6 * 7).await.unwrap();
        assert_eq!(value, 42);
        assert!(took < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_internal_error() {
        let pool = CpuPool::new(1, 1);
        let error = pool
            .run(|| -> u32 { panic!("engine bug") })
            .await
            .unwrap_err();
        assert_eq!(error.code, "internal");
        // The permit came back: the next job runs.
        assert_eq!(pool.run(|| 1).await.unwrap().0, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_is_overloaded() {
        let pool = CpuPool::new(1, 1);
        let (release, blocked) = mpsc::channel::<()>();
        let busy = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(move || blocked.recv().is_ok()).await })
        };
        // Wait until the busy job holds the only permit.
        while pool.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let queued = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(|| 2).await })
        };
        while pool.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        let rejected = pool.run(|| 3).await.unwrap_err();
        assert_eq!(rejected.code, "overloaded");
        assert_eq!(rejected.retry_after, Some(1));
        release.send(()).unwrap();
        assert!(busy.await.unwrap().unwrap().0);
        assert_eq!(queued.await.unwrap().unwrap().0, 2);
        assert_eq!(pool.waiting(), 0);
    }
}
