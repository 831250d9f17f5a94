//! One client connection: hyper's HTTP/1.1 state machine plus the watchdog that closes it
//! when the client is too slow or too quiet, and its part in a graceful shutdown.
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, watch};

use super::ConnectionLimits;
use super::activity::{Activity, TrackedIo, Verdict};
use super::service::ConnectionService;

/// Serves one connection to its end. Holding `_permit` is what counts it against the cap.
pub(super) async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Arc<ConnectionLimits>,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(TrackedIo {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let service = ConnectionService {
        router,
        peer,
        activity: Arc::clone(&activity),
        body_timeout: limits.body_timeout,
    };
    // hyper's header timeout is off: it cannot tell idle from slow (activity.rs), and
    // without a timer its 30 s default would only log a warning per connection.
    let connection = http1::Builder::new()
        .keep_alive(true)
        .header_read_timeout(Option::<std::time::Duration>::None)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        let wake = match activity.verdict(limits.header_timeout, limits.idle_timeout) {
            Verdict::WakeAt(at) => at,
            Verdict::Close(reason) => {
                tracing::debug!(%peer, reason, "closing a slow or idle connection");
                return;
            }
        };
        tokio::select! {
            ended = connection.as_mut() => {
                if let Err(error) = ended {
                    // Resets and malformed requests: the client's side, not worth a warning.
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(wake.into()) => {}
            // Tasks are spawned before the stop is sent, so `changed` sees it (an error
            // means the accept loop is gone: stop too).
            _ = stop.changed(), if !draining => {
                draining = true;
                if activity.in_flight() == 0 {
                    // Idle, or part of a head: no answer is owed, so no reason to wait.
                    tracing::debug!(%peer, "closing a connection with nothing in flight at shutdown");
                    return;
                }
                // Ends the connection once the responses in progress are written.
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}
