//! The hyper service of one connection: hands each request to the router with the peer
//! address (`ConnectInfo`, as `axum::serve` did), counts it in flight for the watchdog, and
//! bounds how long its body may take to arrive.
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, header};
use axum::response::IntoResponse;
use hyper::body::{Frame, Incoming, SizeHint};
use tower::ServiceExt;

use super::activity::Activity;
use crate::error::ApiError;
use crate::error_code::ErrorCode;

#[derive(Debug, Clone)]
pub(super) struct ConnectionService {
    pub(super) router: Router,
    pub(super) peer: SocketAddr,
    pub(super) activity: Arc<Activity>,
    pub(super) body_timeout: Duration,
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

impl hyper::service::Service<Request<Incoming>> for ConnectionService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let in_flight = InFlight::start(Arc::clone(&self.activity));
        let (parts, body) = request.into_parts();
        let received = Arc::new(AtomicBool::new(body.is_end_stream()));
        let body = Body::new(TrackedBody {
            inner: body,
            received: Arc::clone(&received),
        });
        let mut request = Request::from_parts(parts, body);
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let answer = self.router.clone().oneshot(request);
        let body_timeout = self.body_timeout;
        let peer = self.peer;
        Box::pin(async move {
            let _in_flight = in_flight;
            tokio::pin!(answer);
            let deadline = tokio::time::sleep(body_timeout);
            tokio::select! {
                biased;
                answer = &mut answer => return answer,
                () = deadline, if !received.load(Ordering::Acquire) => {}
            }
            // The deadline covers the body only: a handler still computing after reading it
            // all is left alone (the request timeout bounds that).
            if received.load(Ordering::Acquire) {
                return answer.await;
            }
            tracing::info!(%peer, timeout_ms = %body_timeout.as_millis(), "request body too slow; closing the connection");
            Ok(body_timeout_response(body_timeout))
        })
    }
}

/// 408 in the project's error shape. `Connection: close`: the rest of the body is unread, so
/// the connection cannot carry another request.
fn body_timeout_response(limit: Duration) -> Response<Body> {
    let mut response = ApiError::new(
        ErrorCode::BodyTimeout,
        format!(
            "the request body did not arrive within {} ms of its headers; send it at once",
            limit.as_millis()
        ),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Marks a request in flight until its future completes or is dropped.
#[derive(Debug)]
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: Arc<Activity>) -> Self {
        activity.request_started();
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// The request body, noting when it has been read to its end.
#[derive(Debug)]
struct TrackedBody {
    inner: Incoming,
    received: Arc<AtomicBool>,
}

impl HttpBody for TrackedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let ended = match &polled {
            Poll::Ready(None | Some(Err(_))) => true,
            Poll::Ready(Some(Ok(_))) => self.inner.is_end_stream(),
            Poll::Pending => false,
        };
        if ended {
            self.received.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
