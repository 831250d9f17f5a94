//! Searches in CPU-pool jobs: one search (a chunk of one) or a chunk of a multi-query
//! request.
//!
//! Run one job per query, the items of an admitted `/retrieve` queued behind every other
//! client once per query: with 64 closed-loop clients, a batch of 32 hybrid queries waited
//! 32 times (~9.5 s) and reached its deadline. A chunk of queries in one job waits once, and
//! each query is answered and logged by the same code as a search sent alone.
use std::time::Duration;

use driftless_api::{Mode, SearchRequest, SearchResponse};
use driftless_index::HitTexts;

use crate::cpu_pool::Job;
use crate::error::ApiError;
use crate::log_capture::LogContext;
use crate::state::AppState;

/// Most queries one job searches: 64 hybrid queries hold a permit ~0.5 s, 64 BM25 ones ~20 ms.
pub(crate) const MAX_CHUNK: usize = 64;

/// One query's outcome: the body and the hits' texts, or its own error (a 4xx refusal).
pub(crate) type ItemOutcome = Result<(SearchResponse, Vec<String>), ApiError>;

impl AppState {
    /// Searches `chunk` (each query with its own log context) in one CPU-pool job, with
    /// the hits' texts when `texts` asks for them, logging every query under `endpoint` exactly as a
    /// search sent alone is logged. A fault of the job itself (overload, deadline, panic)
    /// fails the chunk; a query's own refusal (4xx) is its item's error.
    pub(crate) async fn search_chunk(
        &self,
        mut chunk: Vec<(LogContext, SearchRequest)>,
        endpoint: &str,
        texts: HitTexts,
    ) -> Result<(Vec<ItemOutcome>, Duration), ApiError> {
        if texts == HitTexts::Include {
            // The answers carry each hit's whole text: the log says so (CTAR evidence).
            for (log, _) in &mut chunk {
                log.set_delivered(serde_json::json!("unit_text"));
            }
        }
        let snapshot = match self.snapshot() {
            Ok(snapshot) => snapshot,
            Err(error) => {
                for (log, request) in &chunk {
                    self.log_refused(log, endpoint, "", request, &error);
                }
                return Err(error);
            }
        };
        let snapshot_id = snapshot.id().to_string();
        let mut heavy = false;
        let mut refused = Vec::with_capacity(chunk.len());
        for (_, request) in &chunk {
            let mode = request.mode.unwrap_or_else(|| snapshot.default_mode());
            // Only BM25 is light: dense and hybrid embed the query first (milliseconds).
            heavy |= mode != Mode::Bm25;
            refused.push(self.check_exact_scan(mode, &snapshot).err());
        }
        let weight = if heavy { Job::Heavy } else { Job::Light };
        let requests: Vec<Option<SearchRequest>> = chunk
            .iter()
            .zip(&refused)
            .map(|((_, request), refusal)| refusal.is_none().then(|| request.clone()))
            .collect();
        let job = move || {
            let search = |request: &SearchRequest| snapshot.search_texts(request, texts);
            requests
                .iter()
                .map(|request| request.as_ref().map(search))
                .collect::<Vec<_>>()
        };
        let (outcomes, engine) = match self.run_bounded_items(weight, chunk.len(), job).await {
            Ok(done) => done,
            Err(error) => {
                for (log, request) in &chunk {
                    self.log_refused(log, endpoint, &snapshot_id, request, &error);
                }
                return Err(error);
            }
        };
        let mut answers = Vec::with_capacity(chunk.len());
        for (((log, request), outcome), refusal) in chunk.iter().zip(outcomes).zip(refused) {
            let answer = match (outcome, refusal) {
                (Some(Ok(body)), _) => {
                    if let Some(capture) = self.capture() {
                        let record =
                            log.search(endpoint, &snapshot_id, request, Some(&body.0), 200);
                        capture.record(record);
                    }
                    Ok(body)
                }
                (Some(Err(engine_error)), _) => Err(ApiError::from(engine_error)),
                (None, Some(error)) => Err(error),
                (None, None) => Err(ApiError::internal(&"a chunk item was not searched")),
            };
            if let Err(error) = &answer {
                self.log_refused(log, endpoint, &snapshot_id, request, error);
            }
            answers.push(answer);
        }
        Ok((answers, engine))
    }
}

/// Splits `items` (queries with their place in the request) into at most `workers`
/// contiguous chunks of at most [`MAX_CHUNK`], in order: every worker gets a share, and each
/// queue wait buys up to 64 answers.
pub(crate) fn chunks<T>(items: Vec<T>, workers: usize) -> Vec<Vec<T>> {
    let size = items.len().div_ceil(workers.max(1)).clamp(1, MAX_CHUNK);
    let mut out: Vec<Vec<T>> = Vec::new();
    for item in items {
        match out.last_mut() {
            Some(chunk) if chunk.len() < size => chunk.push(item),
            _ => out.push(vec![item]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queries(n: usize, first: usize) -> Vec<(usize, SearchRequest)> {
        (0..n)
            .map(|i| (first + i, SearchRequest::new(format!("q{i}"))))
            .collect()
    }

    #[test]
    fn chunks_keep_order_and_numbering() {
        let split = chunks(queries(5, 10), 2);
        let lens: Vec<usize> = split.iter().map(Vec::len).collect();
        assert_eq!(lens, vec![3, 2]);
        let numbers: Vec<usize> = split.iter().flatten().map(|(i, _)| *i).collect();
        assert_eq!(numbers, vec![10, 11, 12, 13, 14]);
        let big = chunks(queries(300, 0), 2);
        assert!(big.iter().all(|c| c.len() <= MAX_CHUNK));
        assert_eq!(big.iter().map(Vec::len).sum::<usize>(), 300);
        assert_eq!(chunks(queries(1, 0), 4).len(), 1);
        assert!(chunks(queries(0, 0), 2).is_empty());
    }
}
