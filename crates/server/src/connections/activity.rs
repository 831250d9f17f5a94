//! What one connection is doing, for its watchdog: bytes moving, a request head arriving, or
//! requests in flight.
//!
//! hyper's own `header_read_timeout` starts when hyper begins waiting for a head, which on a
//! keep-alive connection is the moment the previous response ends: it cannot tell an idle
//! client from one dribbling a header, so it cannot give them different bounds. The socket
//! wrapper here sees the first byte of each head instead.
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// `head_since` when no request head is being read.
const NO_HEAD: u64 = u64::MAX;

/// Shared between the socket wrapper, the per-request service and the watchdog. Times are
/// milliseconds since the connection was accepted.
#[derive(Debug)]
pub(super) struct Activity {
    accepted: Instant,
    last_io: AtomicU64,
    head_since: AtomicU64,
    in_flight: AtomicUsize,
}

/// What the watchdog should do now.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Close the connection; the reason is logged.
    Close(&'static str),
    /// Look again at this instant (the deadline may have moved by then).
    WakeAt(Instant),
}

impl Activity {
    pub(super) fn new() -> Self {
        Self {
            accepted: Instant::now(),
            last_io: AtomicU64::new(0),
            // The first request's head is due from the moment of accept: a client that
            // connects and sends nothing is as slow as one that sends half a header.
            head_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    fn at(&self, ms: u64) -> Instant {
        self.accepted + Duration::from_millis(ms)
    }

    fn on_read(&self) {
        let now = self.now_ms();
        self.last_io.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Acquire) == 0 {
            // Bytes with no request in flight start a head (or continue one already started).
            let _ =
                self.head_since
                    .compare_exchange(NO_HEAD, now, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    fn on_write(&self) {
        self.last_io.store(self.now_ms(), Ordering::Relaxed);
    }

    /// hyper parsed a head and called the service.
    pub(super) fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_since.store(NO_HEAD, Ordering::Release);
    }

    /// The service's future completed or was dropped; the response body may still be
    /// written, and those writes count as activity.
    pub(super) fn request_finished(&self) {
        self.last_io.store(self.now_ms(), Ordering::Relaxed);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    pub(super) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// The bound in force: a head must be complete within `header` of its first byte (or of
    /// accept); a connection with nothing in flight may be silent for `idle`, counted from
    /// its last byte in either direction, so a client that stops reading its response is
    /// idle too. Requests in flight are bounded by the body and request timeouts instead.
    pub(super) fn verdict(&self, header: Duration, idle: Duration) -> Verdict {
        let now = Instant::now();
        if self.in_flight() > 0 {
            return Verdict::WakeAt(now + header.min(idle));
        }
        let head_since = self.head_since.load(Ordering::Acquire);
        let (deadline, reason) = if head_since == NO_HEAD {
            let last = self.last_io.load(Ordering::Relaxed);
            (self.at(last) + idle, "idle_timeout")
        } else {
            (self.at(head_since) + header, "header_timeout")
        };
        if now >= deadline {
            Verdict::Close(reason)
        } else {
            Verdict::WakeAt(deadline)
        }
    }
}

/// A socket that reports its reads and writes to an [`Activity`].
#[derive(Debug)]
pub(super) struct TrackedIo<T> {
    pub(super) inner: T,
    pub(super) activity: std::sync::Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for TrackedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.on_read();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TrackedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.on_write();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.on_write();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: Duration = Duration::from_secs(10);
    const IDLE: Duration = Duration::from_secs(60);

    fn wake_in(activity: &Activity) -> Duration {
        match activity.verdict(HEADER, IDLE) {
            Verdict::WakeAt(at) => at.saturating_duration_since(Instant::now()),
            Verdict::Close(reason) => panic!("closed: {reason}"),
        }
    }

    #[test]
    fn phases_pick_their_bound() {
        let activity = Activity::new();
        // Just accepted: the head is due within the header timeout.
        assert!(wake_in(&activity) <= HEADER);
        activity.request_started();
        activity.on_read(); // body bytes: not a new head
        assert_eq!(activity.head_since.load(Ordering::Relaxed), NO_HEAD);
        activity.request_finished();
        // Between requests: the idle bound, longer than the header one.
        assert!(wake_in(&activity) > HEADER);
        activity.on_read();
        assert!(wake_in(&activity) <= HEADER);
        let over = Activity::new();
        assert_eq!(
            over.verdict(Duration::ZERO, IDLE),
            Verdict::Close("header_timeout")
        );
        over.request_started();
        over.request_finished();
        assert_eq!(
            over.verdict(HEADER, Duration::ZERO),
            Verdict::Close("idle_timeout")
        );
    }
}
