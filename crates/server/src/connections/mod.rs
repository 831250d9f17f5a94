//! The accept loop: HTTP/1.1 connections with a header timeout, an idle timeout, a body
//! timeout, a connection cap and a bounded graceful shutdown (`axum::serve` has none of them,
//! so slow clients could hold sockets and delay shutdown indefinitely).
//!
//! - Past `max_connections` the loop stops accepting: further connections wait in the
//!   kernel's listen backlog (and the kernel drops SYNs once that is full; clients retry)
//!   until a connection closes. Nothing is read from them meanwhile, so they cost no memory
//!   here, and the clients already connected keep being served.
//! - Each connection has a watchdog ([`activity`]) that closes it when a request head is not
//!   complete within `header_timeout` of its first byte (or of accept), or when it has been
//!   silent with nothing in flight for `idle_timeout`.
//! - A request whose body has not fully arrived `body_timeout` after its head is answered
//!   408 `body_timeout` and the connection closed ([`service`]).
//! - On shutdown the listener closes; connections with no request in flight (idle, or
//!   mid-header) close at once, the others finish their response and then close; whatever
//!   is still open after `shutdown_grace` is closed, so the caller can flush the query log.
mod activity;
mod connection;
mod fd_limit;
mod service;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// Bounds on client connections; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request head must be complete within this time of its first byte (or of accept).
    pub header_timeout: Duration,
    /// A connection with no request in flight is closed after this much silence.
    pub idle_timeout: Duration,
    /// A request body must be complete within this time of its head (else 408).
    pub body_timeout: Duration,
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Longest a shutdown waits for in-flight requests before closing their connections.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    /// Header 10 s, idle 60 s, body 30 s, 10,000 connections, shutdown grace 15 s (above
    /// the default 10 s request timeout, so an admitted request normally finishes).
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(30),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(15),
        }
    }
}

/// Serves `app` on `listener` with `limits` until `shutdown` resolves, then drains as the
/// module documentation says. Handlers see the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve_with_limits(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: ConnectionLimits,
) -> std::io::Result<()> {
    let max_connections = fd_limit::cap_connections(limits.max_connections.max(1));
    let limits = Arc::new(limits);
    let permits = Arc::new(Semaphore::new(max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // Reap finished connection tasks so the set stays as large as the open connections.
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_error(&error).await;
                    continue;
                }
            },
        };
        connections.spawn(connection::run(
            stream,
            peer,
            app.clone(),
            Arc::clone(&limits),
            stop_rx.clone(),
            permit,
        ));
    }
    // Stop accepting first: connections still in the backlog are refused, not left waiting.
    drop(listener);
    let open = connections.len();
    let _ = stop_tx.send(true);
    tracing::info!(
        open,
        grace_ms = %limits.shutdown_grace.as_millis(),
        "shutting down: no new connections; finishing in-flight requests"
    );
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            still_open = connections.len(),
            "shutdown grace over; closing the connections still open"
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// Errors of `accept`: a client that gave up before being accepted is its own business;
/// anything else (EMFILE, ENFILE, ENOBUFS) is ours and usually passes when connections
/// close, so wait a little rather than spin.
async fn accept_error(error: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!(%error, "accept failed; retrying in 100 ms (too many open files? raise `ulimit -n` or lower --max-connections)");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
