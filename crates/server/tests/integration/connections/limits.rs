//! Header, idle and body timeouts, the peer address, and the connection cap.
use std::time::{Duration, Instant};

use driftless_server::ConnectionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{PROMPTLY, Server, closed_after, limits, read_response, request};

#[tokio::test]
async fn half_a_header_is_cut_off_after_the_header_timeout() {
    let server = Server::start(limits()).await;
    let started = Instant::now();
    let mut stream = server.connect().await;
    stream
        .write_all(b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("write half a head");
    let took = closed_after(&mut stream, started).await;
    assert!(took >= limits().header_timeout, "closed early: {took:?}");
    // The server still serves others.
    let mut other = server.connect().await;
    request(&mut other, "/ok").await;
    assert_eq!(read_response(&mut other).await.0, 200);
    server.shut_down().await;
}

#[tokio::test]
async fn a_header_sent_a_byte_at_a_time_is_cut_off_too() {
    let server = Server::start(limits()).await;
    let started = Instant::now();
    let stream = server.connect().await;
    let (mut reader, mut writer) = stream.into_split();
    // One byte every 50 ms: never silent long, never done (the head has no blank line).
    let drip = tokio::spawn(async move {
        for byte in b"GET /ok HTTP/1.1\r\nX-Slow: ".iter().cycle() {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut chunk = [0_u8; 64];
    let closed = tokio::time::timeout(PROMPTLY, async {
        while let Ok(read @ 1..) = reader.read(&mut chunk).await {
            let _ = read;
        }
    })
    .await;
    assert!(closed.is_ok(), "a dripping client kept its connection");
    assert!(started.elapsed() >= limits().header_timeout);
    drip.abort();
    server.shut_down().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = Server::start(limits()).await;
    let mut stream = server.connect().await;
    request(&mut stream, "/ok").await;
    let (status, head, body) = read_response(&mut stream).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert!(!head.contains("connection: close"), "{head}");
    let answered = Instant::now();
    // Idle gets its own, longer bound: the header timeout does not apply between requests.
    let took = closed_after(&mut stream, answered).await;
    assert!(took >= limits().idle_timeout, "closed early: {took:?}");
    server.shut_down().await;
}

#[tokio::test]
async fn a_slow_body_gets_408_and_a_closed_connection() {
    let server = Server::start(limits()).await;
    let mut stream = server.connect().await;
    let started = Instant::now();
    stream
        .write_all(
            b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\
              Content-Length: 100\r\n\r\nten bytes.",
        )
        .await
        .expect("write a head and part of the body");
    let (status, head, body) = read_response(&mut stream).await;
    assert_eq!(status, 408, "{head}\n{body}");
    assert!(started.elapsed() >= limits().body_timeout);
    assert!(head.contains("connection: close"), "{head}");
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON error body");
    assert_eq!(body["error"]["code"], "body_timeout");
    assert!(body["error"]["message"].is_string());
    closed_after(&mut stream, started).await;

    // A whole body is answered normally on a new connection.
    let mut stream = server.connect().await;
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc")
        .await
        .expect("write");
    let (status, _, body) = read_response(&mut stream).await;
    assert_eq!((status, body.as_str()), (200, "3"));
    server.shut_down().await;
}

#[tokio::test]
async fn handlers_see_the_peer_address() {
    let server = Server::start(limits()).await;
    let mut stream = server.connect().await;
    let local = stream.local_addr().expect("client address");
    request(&mut stream, "/peer").await;
    let (status, _, body) = read_response(&mut stream).await;
    assert_eq!((status, body), (200, local.to_string()));
    server.shut_down().await;
}

/// Two slots: one taken by a client that sends nothing, one by a working client. Further
/// connections wait (the loop does not accept them) and the working client keeps being
/// served; when the silent one is closed, a waiting one gets its slot.
#[tokio::test]
async fn connections_past_the_cap_wait_without_starving_existing_clients() {
    let server = Server::start(ConnectionLimits {
        max_connections: 2,
        header_timeout: Duration::from_secs(2),
        idle_timeout: Duration::from_secs(30),
        ..limits()
    })
    .await;
    let mut working = server.connect().await;
    request(&mut working, "/ok").await;
    assert_eq!(read_response(&mut working).await.0, 200);
    let silent_since = Instant::now();
    let mut silent = server.connect().await;
    // The kernel completes these handshakes; the server does not accept them yet.
    let mut waiting = Vec::new();
    for _ in 0..20 {
        let mut stream = server.connect().await;
        request(&mut stream, "/ok").await;
        waiting.push(stream);
    }
    let mut first = [0_u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(300), waiting[0].read(&mut first)).await;
    assert!(
        early.is_err(),
        "a connection past the cap was served at once"
    );
    for _ in 0..5 {
        request(&mut working, "/ok").await;
        let answered = tokio::time::timeout(PROMPTLY, read_response(&mut working)).await;
        assert_eq!(answered.expect("the existing client is served").0, 200);
    }
    // The silent client hits the header timeout; its slot goes to the longest-waiting one.
    closed_after(&mut silent, silent_since).await;
    let served = tokio::time::timeout(PROMPTLY, read_response(&mut waiting[0])).await;
    assert_eq!(served.expect("a waiting client is served").0, 200);
    server.shut_down().await;
}
