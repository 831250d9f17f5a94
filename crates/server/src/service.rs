//! The one search and fetch service behind every request shape.
//!
//! `/v1/search`, `/v1/fetch` and every compatibility shape (batch, Search-R1, SearXNG,
//! Tavily, MCP) call [`AppState::search_logged`] / [`AppState::fetch_logged`]: the same
//! engine call on the bounded CPU pool and the same query-log record, so a query asked
//! through any shape ranks the same documents and shows up in the log with its shape
//! (the `endpoint` the caller passes). Shapes only translate requests and bodies.
use std::time::Duration;

use driftless_api::{FetchRequest, FetchResponse, Mode, SearchRequest, SearchResponse};
use driftless_index::{HitTexts, Snapshot};

use crate::cpu_pool::Job;
use crate::deadline::Budget;
use crate::error::ApiError;
use crate::error_code::ErrorCode;
use crate::log_capture::LogContext;
use crate::state::AppState;

/// A successful engine answer and the time the engine spent on it (for `Server-Timing`).
#[derive(Debug)]
pub struct Answer<T> {
    /// The engine's answer.
    pub body: T,
    /// Time spent in the engine, queue wait excluded.
    pub engine: Duration,
}

impl AppState {
    /// Runs one search and logs it under `endpoint`, whatever the outcome: answered, refused
    /// by the engine (4xx), or refused before the engine (snapshot loading, queue full).
    pub async fn search_logged(
        &self,
        request: SearchRequest,
        log: &LogContext,
        endpoint: &str,
    ) -> Result<Answer<SearchResponse>, ApiError> {
        let answer = self
            .search_job(request, log, endpoint, HitTexts::Omit)
            .await?;
        Ok(Answer {
            body: answer.body.0,
            engine: answer.engine,
        })
    }

    /// One search: a chunk of one (service_many.rs), so single and multi-query requests
    /// are searched, refused and logged by the same code.
    async fn search_job(
        &self,
        request: SearchRequest,
        log: &LogContext,
        endpoint: &str,
        texts: HitTexts,
    ) -> Result<Answer<(SearchResponse, Vec<String>)>, ApiError> {
        let chunk = vec![(log.clone(), request)];
        let (mut outcomes, engine) = self.search_chunk(chunk, endpoint, texts).await?;
        let outcome = outcomes
            .pop()
            .unwrap_or_else(|| Err(ApiError::internal(&"a search was not answered")));
        outcome.map(|body| Answer { body, engine })
    }

    /// Runs a light `job` (one fetch or term lookup) on the CPU pool within the request's
    /// deadline (deadline.rs; the server's request timeout when the request has no budget,
    /// e.g. MCP over stdio).
    pub(crate) async fn run_light<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<(T, Duration), ApiError> {
        self.run_bounded_items(Job::Light, 1, job).await
    }

    /// A job of `weight` and `items` searches in a row on the CPU pool, within the request's
    /// deadline as [`AppState::run_light`].
    pub(crate) async fn run_bounded_items<T: Send + 'static>(
        &self,
        weight: Job,
        items: usize,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<(T, Duration), ApiError> {
        let budget = self.budget();
        let deadline = tokio::time::Instant::from_std(budget.deadline);
        let run = self.pool().run_items(weight, items, budget, job);
        tokio::time::timeout_at(deadline, run)
            .await
            .unwrap_or_else(|_| Err(ApiError::deadline_passed()))
    }

    /// The budget of the request being served, or the server's timeout from now.
    pub(crate) fn budget(&self) -> Budget {
        Budget::current().unwrap_or_else(|| Budget::from_now(self.request_timeout()))
    }

    /// `dense_exact` scans every vector: refused past the server's bound.
    pub(crate) fn check_exact_scan(&self, mode: Mode, snapshot: &Snapshot) -> Result<(), ApiError> {
        let vectors = snapshot.dense_index().map_or(0, |dense| dense.len());
        if mode == Mode::DenseExact && vectors > self.max_exact_scan() {
            return Err(ApiError::new(
                ErrorCode::ModeUnavailable,
                format!(
                    "mode `dense_exact` scans all {vectors} vectors of this snapshot, over this server's bound of {} (serve --max-exact-scan); use mode=dense",
                    self.max_exact_scan()
                ),
            ));
        }
        Ok(())
    }

    /// Logs a search that got no results: its status says why.
    pub(crate) fn log_refused(
        &self,
        log: &LogContext,
        endpoint: &str,
        snapshot_id: &str,
        request: &SearchRequest,
        error: &ApiError,
    ) {
        if let Some(capture) = self.capture() {
            let status = error.status.as_u16();
            capture.record(log.search(endpoint, snapshot_id, request, None, status));
        }
    }

    /// Runs one fetch and logs it under `endpoint`, whatever the outcome.
    pub async fn fetch_logged(
        &self,
        request: FetchRequest,
        log: &LogContext,
        endpoint: &str,
    ) -> Result<Answer<FetchResponse>, ApiError> {
        let outcome = self.fetch_unlogged(&request).await;
        if let Some(capture) = self.capture() {
            let (snapshot_id, status, fetched) = match &outcome {
                Ok((id, answer)) => (id.as_str(), 200, Some(answer.body.doc_id.as_str())),
                Err((id, error)) => (id.as_str(), error.status.as_u16(), None),
            };
            capture.record(log.fetch(endpoint, snapshot_id, &request, fetched, status));
        }
        outcome
            .map(|(_, answer)| answer)
            .map_err(|(_, error)| error)
    }

    /// The fetch itself; errors carry the snapshot id known so far for the log record.
    async fn fetch_unlogged(
        &self,
        request: &FetchRequest,
    ) -> Result<(String, Answer<FetchResponse>), (String, ApiError)> {
        let snapshot = self.snapshot().map_err(|e| (String::new(), e))?;
        let snapshot_id = snapshot.id().to_string();
        let job_request = request.clone();
        let (outcome, engine) = self
            .run_light(move || snapshot.fetch(&job_request))
            .await
            .map_err(|e| (snapshot_id.clone(), e))?;
        match outcome {
            Ok(body) => Ok((snapshot_id, Answer { body, engine })),
            Err(error) => Err((snapshot_id, ApiError::from(error))),
        }
    }
}
