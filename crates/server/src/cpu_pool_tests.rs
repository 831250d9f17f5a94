//! Tests of the CPU pool's admission (cpu_pool.rs).
use super::*;
use std::sync::mpsc;

fn generous() -> Budget {
    Budget::from_now(Duration::from_secs(30))
}

/// Holds the pool's only permit until the returned sender is used.
async fn occupy(pool: &CpuPool) -> (mpsc::Sender<()>, tokio::task::JoinHandle<bool>) {
    let (release, blocked) = mpsc::channel::<()>();
    let busy = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let job = move || blocked.recv().is_ok();
            pool.run_items(Job::Heavy, 1, generous(), job)
                .await
                .unwrap()
                .0
        })
    };
    while pool.permits.available_permits() > 0 {
        tokio::task::yield_now().await;
    }
    (release, busy)
}

#[tokio::test]
async fn runs_jobs_and_reports_their_time() {
    let pool = CpuPool::new(2, 4, None);
    let (value, took) = pool
        .run_items(Job::Light, 1, generous(), || 6 * 7)
        .await
        .unwrap();
    assert_eq!(value, 42);
    assert!(took < Duration::from_secs(5));
}

#[tokio::test]
async fn a_panicking_job_is_an_internal_error() {
    let pool = CpuPool::new(1, 1, None);
    for weight in [Job::Light, Job::Heavy] {
        let error = pool
            .run_items(weight, 1, generous(), || -> u32 { panic!("engine bug") })
            .await
            .unwrap_err();
        assert_eq!(error.code.as_str(), "internal");
        // The permit came back: the next job runs.
        assert_eq!(
            pool.run_items(weight, 1, generous(), || 1).await.unwrap().0,
            1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn light_jobs_run_on_the_worker_and_heavy_ones_off_it() {
    let pool = CpuPool::new(2, 4, None);
    let here = std::thread::current().id();
    let (light, _) = pool
        .run_items(Job::Light, 1, generous(), || std::thread::current().id())
        .await
        .unwrap();
    let (heavy, _) = pool
        .run_items(Job::Heavy, 1, generous(), || std::thread::current().id())
        .await
        .unwrap();
    assert_eq!(light, here);
    assert_ne!(heavy, here);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_is_overloaded() {
    let pool = CpuPool::new(1, 1, None);
    let (release, busy) = occupy(&pool).await;
    let queued = {
        let pool = pool.clone();
        tokio::spawn(async move { pool.run_items(Job::Light, 1, generous(), || 2).await })
    };
    while pool.waiting() == 0 {
        tokio::task::yield_now().await;
    }
    let rejected = pool
        .run_items(Job::Light, 1, generous(), || 3)
        .await
        .unwrap_err();
    assert_eq!(rejected.code.as_str(), "overloaded");
    assert!(rejected.retry_after.is_some());
    release.send(()).unwrap();
    assert!(busy.await.unwrap());
    assert_eq!(queued.await.unwrap().unwrap().0, 2);
    assert_eq!(pool.waiting(), 0);
    assert_eq!(pool.queued_micros.load(Ordering::Acquire), 0);
}

/// The regression behind the deadline design: 8 clients sending ~3 ms jobs back to back to
/// one worker keep ~7 requests (~21 ms) queued, far over the old 10 ms budget, which
/// refused most of them. A closed loop is not overload: nothing may be refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_closed_loop_of_clients_is_never_refused() {
    let pool = CpuPool::new(1, 64, None);
    let mut clients = Vec::new();
    for _ in 0..8 {
        let pool = pool.clone();
        clients.push(tokio::spawn(async move {
            let mut refused = 0;
            for _ in 0..25 {
                let budget = Budget::from_now(Duration::from_secs(10));
                let job = || std::thread::sleep(Duration::from_millis(3));
                if pool.run_items(Job::Heavy, 1, budget, job).await.is_err() {
                    refused += 1;
                }
            }
            refused
        }));
    }
    let mut refused = 0;
    for client in clients {
        refused += client.await.unwrap();
    }
    assert_eq!(refused, 0);
    assert_eq!(pool.waiting(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_predicted_to_finish_past_its_deadline_is_refused() {
    let pool = CpuPool::new(1, 100, None);
    pool.record(Job::Heavy, Duration::from_millis(30));
    pool.record(Job::Light, Duration::from_micros(200));
    let (release, busy) = occupy(&pool).await;
    // Alone in the queue: half a running job (15 ms) + its own (30 ms) = 45 ms.
    let tight = Budget::from_now(Duration::from_millis(40));
    let refused = pool
        .run_items(Job::Heavy, 1, tight, || 1)
        .await
        .unwrap_err();
    assert_eq!(refused.code.as_str(), "overloaded");
    assert!(refused.message.contains("deadline"), "{}", refused.message);
    // A light job fits in the same 40 ms: the prediction is per weight.
    let light = {
        let pool = pool.clone();
        tokio::spawn(async move { pool.run_items(Job::Light, 1, tight, || 2).await })
    };
    while pool.waiting() == 0 {
        tokio::task::yield_now().await;
    }
    // An item of an admitted request is not refused on the prediction.
    let item = {
        let pool = pool.clone();
        tokio::spawn(async move {
            pool.run_items(Job::Heavy, 1, generous().admitted(), || 3)
                .await
        })
    };
    while pool.waiting() < 2 {
        tokio::task::yield_now().await;
    }
    assert!(pool.check(Job::Heavy, 1, tight).is_err());
    assert!(pool.check(Job::Heavy, 1, generous()).is_ok());
    release.send(()).unwrap();
    assert!(busy.await.unwrap());
    assert_eq!(light.await.unwrap().unwrap().0, 2);
    assert_eq!(item.await.unwrap().unwrap().0, 3);
}

#[test]
fn a_multi_query_request_is_admitted_on_all_its_items() {
    // Two idle workers, 10 ms a heavy search: 64 searches take 320 ms shared by the two.
    let pool = CpuPool::new(2, 100, None);
    pool.record(Job::Heavy, Duration::from_millis(10));
    let short = Budget::from_now(Duration::from_millis(300));
    // No queue: not overload, but more work than the deadline allows.
    let refused = pool.check(Job::Heavy, 64, short).unwrap_err();
    assert_eq!(refused.code.as_str(), "timeout");
    assert!(
        refused.message.contains("fewer queries"),
        "{}",
        refused.message
    );
    assert!(pool.check(Job::Heavy, 64, generous()).is_ok());
    // One search fits: idle workers mean no queue wait.
    assert!(pool.check(Job::Heavy, 1, short).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_deadline_passed_in_the_queue_is_not_started() {
    let pool = CpuPool::new(1, 10, None);
    let (release, busy) = occupy(&pool).await;
    let started = Arc::new(AtomicUsize::new(0));
    let short = Budget::from_now(Duration::from_millis(20));
    let waiter = {
        let (pool, started) = (pool.clone(), Arc::clone(&started));
        tokio::spawn(async move {
            let job = move || started.fetch_add(1, Ordering::AcqRel);
            pool.run_items(Job::Light, 1, short, job).await
        })
    };
    while pool.waiting() == 0 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(40)).await;
    release.send(()).unwrap();
    let error = waiter.await.unwrap().unwrap_err();
    assert_eq!(error.code.as_str(), "timeout");
    assert_eq!(started.load(Ordering::Acquire), 0);
    assert!(busy.await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_cap_on_the_wait_still_applies() {
    let pool = CpuPool::new(1, 100, Some(Duration::from_millis(5)));
    pool.record(Job::Light, Duration::from_millis(20));
    let (release, busy) = occupy(&pool).await;
    let refused = pool
        .run_items(Job::Light, 1, generous(), || 1)
        .await
        .unwrap_err();
    assert_eq!(refused.code.as_str(), "overloaded");
    release.send(()).unwrap();
    assert!(busy.await.unwrap());
}

#[test]
fn job_times_are_moving_averages_per_weight() {
    let pool = CpuPool::new(2, 10, None);
    assert_eq!(
        pool.predicted_wait(Job::Light),
        Duration::ZERO,
        "no job seen yet"
    );
    pool.record(Job::Light, Duration::from_micros(800));
    pool.record(Job::Light, Duration::from_micros(1600));
    assert_eq!(
        pool.expected_job(Job::Light),
        Duration::from_micros(800 - 100 + 200)
    );
    assert_eq!(pool.expected_job(Job::Heavy), Duration::ZERO);
    pool.queued_micros.store(4_000, Ordering::Release);
    // 4 ms queued over two workers, plus half of a 900 µs job.
    assert_eq!(
        pool.predicted_wait(Job::Light),
        Duration::from_micros(2_000 + 450)
    );
}
