//! The accept loop (`serve_with_limits`) on a real socket: header, idle and body timeouts,
//! the connection cap, and a bounded graceful shutdown. The router is a small one of our
//! own (a handler that sleeps stands for a long search), served by the real loop; clients
//! are raw TCP so a test can send half a header or stop reading.
mod limits;
mod shutdown;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use driftless_server::{ConnectionLimits, serve_with_limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Upper bound for anything expected "promptly": far above the timeouts under test, so a
/// slow CI machine does not fail a test that is right.
const PROMPTLY: Duration = Duration::from_secs(10);

/// Limits that make each timeout observable in well under a second unless a test says
/// otherwise.
fn limits() -> ConnectionLimits {
    ConnectionLimits {
        header_timeout: Duration::from_millis(500),
        idle_timeout: Duration::from_millis(1_500),
        body_timeout: Duration::from_millis(500),
        max_connections: 100,
        shutdown_grace: Duration::from_secs(5),
    }
}

fn router() -> Router {
    Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        )
        .route(
            "/sleep/{ms}",
            get(
                |axum::extract::Path(ms): axum::extract::Path<u64>| async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    "slept"
                },
            ),
        )
        .route(
            "/echo",
            post(|body: axum::body::Bytes| async move { body.len().to_string() }),
        )
}

struct Server {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(limits: ConnectionLimits) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let address = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_with_limits(
            listener,
            router(),
            async {
                let _ = stopped.await;
            },
            limits,
        ));
        Self {
            address,
            stop: Some(stop),
            task,
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.address).await.expect("connect")
    }

    /// Signals shutdown and waits for `serve` to return; gives how long that took.
    async fn shut_down(mut self) -> Duration {
        let started = Instant::now();
        self.stop
            .take()
            .expect("running")
            .send(())
            .expect("serving");
        tokio::time::timeout(PROMPTLY * 2, self.task)
            .await
            .expect("serve returns within the bound")
            .expect("the server task")
            .expect("serve returns Ok");
        started.elapsed()
    }
}

/// `GET path` on a kept-alive connection.
async fn request(stream: &mut TcpStream, path: &str) {
    let head = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
}

/// Reads one response (headers, then a Content-Length body): (status, head, body).
async fn read_response(stream: &mut TcpStream) -> (u16, String, String) {
    let mut bytes = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        if let Some(end) = find(&bytes, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |value| value.trim().parse().expect("content-length"));
            if bytes.len() >= end + 4 + length {
                let status = head[9..12].parse().expect("status code");
                let body = String::from_utf8_lossy(&bytes[end + 4..end + 4 + length]).into();
                return (status, head, body);
            }
        }
        let read = stream.read(&mut chunk).await.expect("read a response");
        assert!(read > 0, "connection closed before a full response");
        bytes.extend_from_slice(&chunk[..read]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Waits for the server to close `stream` (EOF or reset) and gives the time since `since`;
/// panics if it is still open [`PROMPTLY`] after the call.
async fn closed_after(stream: &mut TcpStream, since: Instant) -> Duration {
    let mut chunk = [0_u8; 1024];
    let waited = tokio::time::timeout(PROMPTLY, async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "the connection is still open after {PROMPTLY:?}"
    );
    since.elapsed()
}
