//! Bounded CPU work: a permit per core, a bounded wait queue, admission by deadline.
//!
//! A request waits for a permit unless its predicted completion lies past its deadline
//! (deadline.rs), or the queue holds `queue_capacity` requests (a memory bound): only then
//! is it answered 503 `overloaded` + `Retry-After` at once, so clients back off.
//!
//! Why a deadline and not a fixed wait budget: a fixed population of clients is a closed
//! loop whose queue is never longer than the clients, and it drains at the rate it fills.
//! With a fixed wait budget of about one job, 8 closed-loop clients sending hybrid searches
//! were refused on most requests although nothing was overloaded (benches/README.md,
//! "Admission by deadline under closed and open loops"). Under open-loop overload
//! (arrivals above capacity) the queue grows until the predicted wait reaches the
//! deadline, and from then on only the excess is refused: admitted requests finish within
//! their deadline and the workers never idle.
//!
//! The prediction: the work queued ahead (the sum of each queued job's expected run time,
//! from moving averages kept per [`Job`] weight, since a hybrid job costs tens of times a
//! BM25 one) divided by the workers, plus half a job for the ones running, plus
//! this request's own job; the queue wait counts [`QUEUE_HEADROOM`] times, so the standing
//! queue of an overload settles well inside the deadline instead of at it.
//!
//! Where a job runs depends on its weight. A light job (BM25 search, fetch, term
//! statistics) runs on the runtime worker that holds its permit: handing it to
//! `spawn_blocking` and back costs two thread wake-ups, a large share of a BM25 request
//! (benches/README.md has the before/after). A heavy job (query embedding, dense, hybrid)
//! goes to `spawn_blocking`. Inline jobs need a runtime with more workers than permits
//! (`driftless serve` gives it a worker per permit plus one per core), so that requests are
//! read and queued here, where admission sees them, rather than in the runtime's queues.
//! A job whose deadline passed while it waited is not started: nobody would read it.
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::deadline::Budget;
use crate::error::ApiError;

/// How many times its predicted queue wait a request must still have left to be admitted
/// (on top of its own run time). Under open-loop overload the queue settles where admission
/// stops; admitting up to the deadline itself put that point at the deadline, so any wait
/// longer than predicted (a burst of heavy jobs ahead) timed out after queueing: most 503s
/// were then `timeout`s of admitted requests, and goodput fell well below capacity
/// (benches/README.md, "Second run: whole-request prediction and queue headroom"). With headroom the standing queue settles at half the deadline:
/// workers stay as busy (any standing queue keeps them busy), latency halves, and a wait
/// must run twice its prediction before it costs a timeout. A closed loop's queue (its
/// clients' jobs) is far below either bound.
const QUEUE_HEADROOM: u32 = 2;

/// Where a job runs (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Sub-millisecond CPU work (BM25, fetch, term statistics): on the runtime worker.
    Light,
    /// Milliseconds of CPU work (query embedding, dense, hybrid): on `spawn_blocking`.
    Heavy,
}

impl Job {
    fn slot(self) -> usize {
        match self {
            Self::Light => 0,
            Self::Heavy => 1,
        }
    }
}

/// A semaphore of `workers` permits, the queue in front of it and what it predicts.
#[derive(Debug, Clone)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
    workers: usize,
    waiting: Arc<AtomicUsize>,
    queue_capacity: usize,
    /// An operator's cap on the predicted queue wait, on top of each request's deadline.
    max_wait: Option<Duration>,
    /// Exponential moving averages (weight 1/8) of job run times per [`Job`], in µs.
    job_micros: Arc<[AtomicU64; 2]>,
    /// Sum of the expected run times of the queued jobs, in µs.
    queued_micros: Arc<AtomicU64>,
}

/// A place in the queue: gives back its count and its expected work when the request gets
/// its permit or is cancelled (the client hung up, the deadline passed), so abandoned
/// requests never leak queue slots.
struct QueueSlot {
    waiting: Arc<AtomicUsize>,
    queued_micros: Arc<AtomicU64>,
    micros: u64,
}

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        self.queued_micros.fetch_sub(self.micros, Ordering::AcqRel);
    }
}

impl CpuPool {
    /// A pool running at most `workers` jobs at once (at least one) with at most
    /// `queue_capacity` jobs waiting and, when `max_wait` is set, no more predicted wait.
    pub fn new(workers: usize, queue_capacity: usize, max_wait: Option<Duration>) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(workers.max(1))),
            workers: workers.max(1),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue_capacity,
            max_wait,
            job_micros: Arc::new([AtomicU64::new(0), AtomicU64::new(0)]),
            queued_micros: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Expected run time of a job of `weight` (zero until one has run).
    fn expected_job(&self, weight: Job) -> Duration {
        Duration::from_micros(self.job_micros[weight.slot()].load(Ordering::Relaxed))
    }

    /// Predicted wait for a permit of a request joining the queue now: the queued work
    /// shared by the workers, plus half a job for those running.
    fn predicted_wait(&self, weight: Job) -> Duration {
        let queued = self.queued_micros.load(Ordering::Acquire);
        let own = self.job_micros[weight.slot()].load(Ordering::Relaxed);
        Duration::from_micros(queued / self.workers as u64 + own / 2)
    }

    /// Folds one job's run time into its weight's moving average.
    fn record(&self, weight: Job, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let average = &self.job_micros[weight.slot()];
        // Races between workers may drop an update; an average does not need every sample.
        let old = average.load(Ordering::Relaxed);
        let new = if old == 0 {
            micros.max(1)
        } else {
            old - old / 8 + micros / 8
        };
        average.store(new, Ordering::Relaxed);
    }

    /// Runs `job`, which does `items` searches in a row (1 for a single search; a chunk of
    /// a multi-query request), once a permit is free, where its weight says, and returns
    /// its output with the time it took to run (queue wait excluded: that is the engine's
    /// share of `Server-Timing`). Refused with 503 `overloaded` when it cannot finish
    /// within `budget`, and with 503 `timeout` when the deadline passed before it could
    /// start. A chunk queues once instead of once per item, which kept a `/retrieve` of
    /// 32 hybrid queries behind 64 clients for 32 queue waits (~9.5 s); its expected cost
    /// is `items` jobs, and its time is folded in per item.
    pub async fn run_items<T, F>(
        &self,
        weight: Job,
        items: usize,
        budget: Budget,
        job: F,
    ) -> Result<(T, Duration), ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let items = items.max(1);
        let permit = self.admit(weight, items, budget).await?;
        if Instant::now() >= budget.deadline {
            return Err(ApiError::deadline_passed());
        }
        match weight {
            Job::Light => {
                let _permit = permit;
                // Like a panicking blocking task: a fault on our side, not a dropped
                // connection (the engine holds no lock a panic could poison).
                std::panic::catch_unwind(AssertUnwindSafe(|| self.timed(weight, items, job)))
                    .map_err(|_| ApiError::internal(&"the search engine panicked"))
            }
            Job::Heavy => {
                let pool = self.clone();
                let joined = tokio::task::spawn_blocking(move || {
                    // The permit lives as long as the job, even if the request is cancelled.
                    let _permit = permit;
                    pool.timed(weight, items, job)
                })
                .await;
                // A panic in the engine is a fault on our side; it must not take the
                // connection down.
                joined.map_err(|join_error| ApiError::internal(&join_error))
            }
        }
    }

    /// A permit now, one after a wait that fits the budget, or 503 `overloaded`.
    async fn admit(
        &self,
        weight: Job,
        items: usize,
        budget: Budget,
    ) -> Result<OwnedSemaphorePermit, ApiError> {
        match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => Ok(permit),
            Err(TryAcquireError::NoPermits) => {
                let own = self.expected_job(weight) * u32::try_from(items).unwrap_or(u32::MAX);
                self.refusal(weight, own, budget)?;
                let micros = u64::try_from(own.as_micros()).unwrap_or(u64::MAX);
                self.waiting.fetch_add(1, Ordering::AcqRel);
                self.queued_micros.fetch_add(micros, Ordering::AcqRel);
                let _slot = QueueSlot {
                    waiting: Arc::clone(&self.waiting),
                    queued_micros: Arc::clone(&self.queued_micros),
                    micros,
                };
                Arc::clone(&self.permits)
                    .acquire_owned()
                    .await
                    .map_err(|closed| ApiError::internal(&closed))
            }
            Err(TryAcquireError::Closed) => {
                Err(ApiError::internal(&"the CPU pool's semaphore is closed"))
            }
        }
    }

    /// Whether a request of `items` searches of `weight` would be admitted now with
    /// `budget`. Multi-query requests ask once for the whole request, then run their items
    /// as admitted ([`Budget::admitted`]): refusing item 17 of 32 would waste the 16
    /// answered, and a request admitted on its first item's cost alone ran past its
    /// deadline and was cut off after work nobody read (a 4,096-query `/retrieve`).
    /// The prediction: the queue's wait when no worker is free, plus the request's items
    /// shared by the workers (it runs a chunk per worker at once).
    pub fn check(&self, weight: Job, items: usize, budget: Budget) -> Result<(), ApiError> {
        let per_worker = u32::try_from(items.max(1).div_ceil(self.workers)).unwrap_or(u32::MAX);
        let own = self.expected_job(weight) * per_worker;
        let queued = self.permits.available_permits() == 0;
        self.refusal_with(weight, own, budget, queued)
    }

    /// The refusal of a request that would queue for a job of `weight` expected to take `own`
    /// (several items' worth for a chunk): the
    /// queue is full, or (unless the request was admitted already) its predicted completion
    /// lies past its deadline or its wait past the operator's cap.
    fn refusal(&self, weight: Job, own: Duration, budget: Budget) -> Result<(), ApiError> {
        self.refusal_with(weight, own, budget, true)
    }

    /// [`CpuPool::refusal`], for a request that waits in the queue (`queued`) or starts on a
    /// free worker (no wait, and no queue to be full).
    fn refusal_with(
        &self,
        weight: Job,
        own: Duration,
        budget: Budget,
        queued: bool,
    ) -> Result<(), ApiError> {
        let wait = if queued {
            self.predicted_wait(weight)
        } else {
            Duration::ZERO
        };
        if queued && self.waiting() >= self.queue_capacity {
            return Err(ApiError::queue_full(self.queue_capacity, wait));
        }
        // Items of an admitted multi-query request skip the prediction: the request as a
        // whole was admitted, and its deadline still bounds them.
        if budget.admitted {
            return Ok(());
        }
        let remaining = budget.remaining();
        if wait * QUEUE_HEADROOM + own > remaining {
            return Err(if queued {
                ApiError::past_deadline(wait + own, remaining)
            } else {
                ApiError::longer_than_deadline(own, remaining)
            });
        }
        match self.max_wait {
            Some(max_wait) if wait > max_wait => Err(ApiError::past_deadline(wait, max_wait)),
            _ => Ok(()),
        }
    }

    /// Runs `job` here, timing it into its weight's moving average.
    fn timed<T>(&self, weight: Job, items: usize, job: impl FnOnce() -> T) -> (T, Duration) {
        let started = Instant::now();
        let output = job();
        let took = started.elapsed();
        self.record(weight, took / u32::try_from(items).unwrap_or(u32::MAX));
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

    /// Predicted wait for a permit now, for `/metrics`.
    pub fn predicted_queue_wait(&self) -> Duration {
        Duration::from_micros(self.queued_micros.load(Ordering::Acquire) / self.workers as u64)
    }
}

#[cfg(test)]
#[path = "cpu_pool_tests.rs"]
mod tests;
