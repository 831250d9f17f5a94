//! Every request's deadline: the moment after which its answer is of no use to the client.
//!
//! Admission compares a request's predicted completion with its deadline (cpu_pool.rs): a
//! fixed population of clients (8 rollout workers, an eval script's threads) keeps a standing
//! queue no longer than itself, which completes well within any sensible deadline, so it is
//! never refused; a queue that grows because arrivals outpace completions soon predicts
//! completions past the deadline, and only then are requests refused with 503.
//!
//! The deadline starts when the request reaches the router. It is the server's
//! `--request-timeout-ms` unless the client asks for less with [`X_REQUEST_TIMEOUT_MS`]
//! (trainers with a rollout timeout, agents with a tool timeout): waiting past the client's
//! own timeout only does work nobody reads. A client cannot ask for more than the server's.
//!
//! The deadline travels in a task-local [`Budget`], set by the [`budget`] middleware, so the
//! one search service sees it whichever request shape called it; multi-query shapes that
//! spawn a task per item carry it over with [`Budget::scope`].
use std::future::Future;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::error_code::ErrorCode;
use crate::state::AppState;

/// Request header: the most milliseconds the client will wait for this answer.
pub static X_REQUEST_TIMEOUT_MS: HeaderName = HeaderName::from_static("x-request-timeout-ms");

/// The largest [`X_REQUEST_TIMEOUT_MS`] (and `--request-timeout-ms`) accepted: ten minutes.
/// Values up to it are capped at the server's timeout; above it the header is malformed
/// (the OpenAPI schema says so, and a client asking for hours has a bug worth reporting).
pub const MAX_TIMEOUT_MS: u64 = 600_000;

/// A request's deadline and whether it has been admitted already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// When the answer stops being useful.
    pub deadline: Instant,
    /// Set for the items of a multi-query request after the request as a whole was
    /// admitted: refusing item 17 of 32 on a prediction would throw away the 16 answered.
    /// The deadline still holds.
    pub admitted: bool,
}

tokio::task_local! {
    static BUDGET: Budget;
}

impl Budget {
    /// A budget of `timeout` from now.
    pub fn from_now(timeout: Duration) -> Self {
        Self {
            deadline: Instant::now() + timeout,
            admitted: false,
        }
    }

    /// The budget of the request being served, if the middleware set one (MCP over stdio
    /// and direct library calls have none: they get the server's timeout).
    pub fn current() -> Option<Self> {
        BUDGET.try_with(|budget| *budget).ok()
    }

    /// The same deadline, already admitted.
    #[must_use]
    pub fn admitted(self) -> Self {
        Self {
            admitted: true,
            ..self
        }
    }

    /// Runs `future` with this budget in force (for tasks spawned per item). Spawned tasks
    /// inherit no task-local, so the request's snapshot pin (pin.rs) travels along too.
    pub fn scope<F: Future>(self, future: F) -> impl Future<Output = F::Output> {
        BUDGET.scope(self, crate::pin::scope(crate::pin::current(), future))
    }

    /// Time left, zero once past.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// The client's timeout from [`X_REQUEST_TIMEOUT_MS`], capped at the server's `limit`.
/// Absent means the server's; malformed or zero is a 400 (a client that sets a timeout
/// wants to know it was not understood).
pub fn requested_timeout(
    value: Option<&axum::http::HeaderValue>,
    limit: Duration,
) -> Result<Duration, ApiError> {
    let Some(value) = value else {
        return Ok(limit);
    };
    let millis = value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .filter(|&millis| (1..=MAX_TIMEOUT_MS).contains(&millis))
        .ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidHeader,
                format!(
                    "header `{X_REQUEST_TIMEOUT_MS}` must be a whole number of milliseconds from 1 to {MAX_TIMEOUT_MS} (values above this server's {} are capped to it)",
                    limit.as_millis()
                ),
            )
        })?;
    Ok(Duration::from_millis(millis).min(limit))
}

/// Middleware: sets the request's [`Budget`] for everything below it.
pub async fn budget(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let timeout = match requested_timeout(
        request.headers().get(&X_REQUEST_TIMEOUT_MS),
        state.request_timeout(),
    ) {
        Ok(timeout) => timeout,
        Err(error) => return error.into_response(),
    };
    Budget::from_now(timeout).scope(next.run(request)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const LIMIT: Duration = Duration::from_secs(10);

    #[test]
    fn the_client_may_shorten_the_timeout_but_not_lengthen_it() {
        assert_eq!(requested_timeout(None, LIMIT).unwrap(), LIMIT);
        let short = HeaderValue::from_static("250");
        assert_eq!(
            requested_timeout(Some(&short), LIMIT).unwrap(),
            Duration::from_millis(250)
        );
        let long = HeaderValue::from_static("60000");
        assert_eq!(requested_timeout(Some(&long), LIMIT).unwrap(), LIMIT);
    }

    #[test]
    fn a_malformed_timeout_is_a_400() {
        for bad in ["0", "-5", "1.5", "soon", "", "600001"] {
            let value = HeaderValue::from_str(bad).unwrap();
            let error = requested_timeout(Some(&value), LIMIT).unwrap_err();
            assert_eq!(error.status.as_u16(), 400, "{bad:?}");
            assert_eq!(error.code.as_str(), "invalid_header");
        }
    }

    #[tokio::test]
    async fn the_budget_is_visible_inside_its_scope_only() {
        assert!(Budget::current().is_none());
        let budget = Budget::from_now(Duration::from_secs(1));
        let seen = budget.scope(async { Budget::current() }).await;
        assert_eq!(seen, Some(budget));
        let admitted = budget
            .admitted()
            .scope(async { Budget::current().map(|b| b.admitted) })
            .await;
        assert_eq!(admitted, Some(true));
    }
}
