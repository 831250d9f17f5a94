//! Graceful shutdown: in-flight requests finish, idle and slow clients do not hold it up,
//! and requests longer than the grace period are cut off at its end.
use std::time::{Duration, Instant};

use driftless_server::ConnectionLimits;
use tokio::io::AsyncWriteExt;

use super::{PROMPTLY, Server, closed_after, limits, read_response, request};

#[tokio::test]
async fn shutdown_finishes_in_flight_requests_without_waiting_for_slow_clients() {
    // Header and idle timeouts far beyond the test: only the shutdown may close these.
    let server = Server::start(ConnectionLimits {
        header_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(60),
        shutdown_grace: Duration::from_secs(8),
        ..limits()
    })
    .await;
    let address = server.address;
    let mut slow = server.connect().await;
    slow.write_all(b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("half a head");
    let mut idle = server.connect().await;
    request(&mut idle, "/ok").await;
    assert_eq!(read_response(&mut idle).await.0, 200);
    let mut busy = server.connect().await;
    request(&mut busy, "/sleep/1000").await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stopping = Instant::now();
    let shutdown = tokio::spawn(server.shut_down());
    // The slow and idle clients owe nothing and are let go at once...
    closed_after(&mut slow, stopping).await;
    closed_after(&mut idle, stopping).await;
    // ...the request in flight still gets its answer, and the connection then closes.
    let (status, head, body) = tokio::time::timeout(PROMPTLY, read_response(&mut busy))
        .await
        .expect("the in-flight request is answered");
    assert_eq!((status, body.as_str()), (200, "slept"), "{head}");
    closed_after(&mut busy, stopping).await;
    let took = shutdown.await.expect("shutdown task");
    // Well within the grace period: nothing waited for the slow or idle client.
    assert!(took < Duration::from_secs(8), "shutdown took {took:?}");
    assert!(
        tokio::net::TcpStream::connect(address).await.is_err(),
        "the listener is closed after shutdown"
    );
}

#[tokio::test]
async fn shutdown_closes_requests_still_running_after_the_grace_period() {
    let grace = Duration::from_millis(500);
    let server = Server::start(ConnectionLimits {
        shutdown_grace: grace,
        ..limits()
    })
    .await;
    let mut busy = server.connect().await;
    request(&mut busy, "/sleep/60000").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = Instant::now();
    let took = server.shut_down().await;
    assert!(took >= grace, "gave up before the grace period: {took:?}");
    assert!(took < PROMPTLY, "shutdown took {took:?}");
    closed_after(&mut busy, stopping).await;
}
