//! Large `/retrieve` answers, streamed in query order instead of built in memory.
//!
//! One call of 4,096 queries × topk 100 used to build a 143 MB body and raised the server's
//! RSS from ~40 MB to 519 MB; eight such calls at once needed gigabytes. Past
//! [`STREAM_ABOVE_HITS`] hits the body is written as the queries are answered: a window of
//! queries at a time (one chunk of up to 64 per CPU worker) is searched, serialised and handed to a
//! two-chunk channel that the connection drains, so a call holds at most a few windows
//! of passages whatever its size, and a slow reader slows the searches instead of
//! growing the server's memory.
//!
//! The bytes are exactly those of the buffered answer (`{"result":[[…],[…]]}` in compact
//! JSON): a test compares the two. The status line is sent before the last query is
//! answered, so a fault after the first byte aborts the body: the client sees a truncated
//! chunked transfer, an error in every HTTP client, never a short but well-formed list.
//!
//! Overload cannot cut a stream: the request was admitted as a whole, on a prediction of
//! all its searches against its deadline (cpu_pool.rs). The deadline bounds the first
//! window (the time to the first byte); after it, the client's reading is what keeps the
//! answer alive (a hang-up stops the searches at the next window), and each later window
//! gets the server's timeout afresh. A deadline that struck mid-stream, when the
//! prediction was short, threw away every query already answered and left the client a
//! broken body (schemathesis found one at 4,096 queries on a debug build).
use std::io;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use driftless_api::{RetrieveItem, SearchRequest};
use tokio::sync::mpsc;

use super::bounded;
use super::search_r1::{answer_chunk, items};
use crate::deadline::Budget;
use crate::error::ApiError;
use crate::log_capture::LogContext;
use crate::service_many::{MAX_CHUNK, chunks as split};
use crate::state::AppState;

/// Answers with more hits than this are streamed (see the module documentation).
pub(crate) const STREAM_ABOVE_HITS: usize = 4_096;

/// The streamed answer to `searches`, each under `budget` (already admitted). The first
/// window is answered before the status line: a refusal or fault there (the deadline
/// passed, the predicted cost was too low) is an ordinary error response, not a cut body.
pub(super) async fn streamed(
    state: AppState,
    log: LogContext,
    searches: Vec<SearchRequest>,
    return_scores: bool,
    budget: Budget,
) -> Result<Response, ApiError> {
    let mut writer = ListWriter::default();
    let mut pending = searches.into_iter().enumerate().peekable();
    let first = window(
        &state,
        &log,
        &mut pending,
        return_scores,
        budget,
        &mut writer,
    )
    .await?;
    let (chunks, body) = mpsc::channel::<Result<Bytes, io::Error>>(2);
    chunks
        .try_send(Ok(Bytes::from(first)))
        .map_err(|error| ApiError::internal(&error))?;
    tokio::spawn(budget.scope(async move {
        if let Err(error) = produce(&state, &log, pending, return_scores, writer, &chunks).await {
            tracing::warn!(%error, "/retrieve stream aborted");
            // The receiver may be gone (the client hung up): nothing more to tell then.
            let _ = chunks.send(Err(error)).await;
        }
    }));
    let stream = futures_util::stream::unfold(body, |mut body| async move {
        body.recv().await.map(|chunk| (chunk, body))
    });
    let mut response = (StatusCode::OK, Body::from_stream(stream)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// The queries left to answer, in order.
type Pending = std::iter::Peekable<std::iter::Enumerate<std::vec::IntoIter<SearchRequest>>>;

/// Answers the next window of queries (a chunk per CPU worker) and returns its bytes.
async fn window(
    state: &AppState,
    log: &LogContext,
    pending: &mut Pending,
    return_scores: bool,
    budget: Budget,
    writer: &mut ListWriter,
) -> Result<Vec<u8>, ApiError> {
    let workers = state.pool().workers();
    let batch: Vec<(usize, SearchRequest)> = pending.by_ref().take(workers * MAX_CHUNK).collect();
    let answers = bounded(split(batch, workers), workers, budget, |_, part| {
        let state = state.clone();
        let log = log.clone();
        async move { answer_chunk(&state, &log, part).await }
    })
    .await?;
    let mut piece = Vec::new();
    for answer in answers {
        let (lists, _) = answer?;
        for passages in lists {
            writer
                .push(&mut piece, &items(passages, return_scores))
                .map_err(|error| ApiError::internal(&error))?;
        }
    }
    Ok(piece)
}

/// Answers the windows after the first and sends their pieces, then the closing bracket;
/// stops at the first fault or when the client hangs up.
async fn produce(
    state: &AppState,
    log: &LogContext,
    mut pending: Pending,
    return_scores: bool,
    mut writer: ListWriter,
    chunks: &mpsc::Sender<Result<Bytes, io::Error>>,
) -> Result<(), io::Error> {
    while pending.peek().is_some() {
        let budget = Budget::from_now(state.request_timeout()).admitted();
        let piece = window(state, log, &mut pending, return_scores, budget, &mut writer)
            .await
            .map_err(|error| io::Error::other(error.message))?;
        send(chunks, piece).await?;
    }
    send(chunks, writer.finish()).await
}

async fn send(chunks: &mpsc::Sender<Result<Bytes, io::Error>>, piece: Vec<u8>) -> io::Result<()> {
    chunks
        .send(Ok(Bytes::from(piece)))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client hung up"))
}

/// Writes `{"result":[` list `,` list … `]}` one list at a time.
#[derive(Debug, Default)]
struct ListWriter {
    started: bool,
}

impl ListWriter {
    fn push(&mut self, out: &mut Vec<u8>, list: &[RetrieveItem]) -> io::Result<()> {
        out.extend_from_slice(if self.started { b"," } else { b"{\"result\":[" });
        self.started = true;
        serde_json::to_writer(out, list).map_err(io::Error::other)
    }

    fn finish(self) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.started {
            out.extend_from_slice(b"{\"result\":[");
        }
        out.extend_from_slice(b"]}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use driftless_api::{RetrieveResponse, RetrievedDocument, ScoredDocument};

    fn doc(id: &str) -> RetrievedDocument {
        RetrievedDocument {
            id: id.to_string(),
            contents: format!("\"{id}\"\ntext of {id}, with \"quotes\" and \u{e9}"),
        }
    }

    #[test]
    fn the_streamed_bytes_are_the_buffered_bytes() {
        let lists = vec![
            vec![RetrieveItem::Scored(ScoredDocument {
                document: doc("a"),
                score: 1.25,
            })],
            Vec::new(),
            vec![RetrieveItem::Plain(doc("b")), RetrieveItem::Plain(doc("c"))],
        ];
        let mut writer = ListWriter::default();
        let mut streamed = Vec::new();
        for list in &lists {
            writer.push(&mut streamed, list).unwrap();
        }
        streamed.extend(writer.finish());
        let buffered = serde_json::to_vec(&RetrieveResponse { result: lists }).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(buffered).unwrap()
        );
    }

    #[test]
    fn no_lists_is_an_empty_result() {
        let buffered = serde_json::to_vec(&RetrieveResponse { result: Vec::new() }).unwrap();
        assert_eq!(ListWriter::default().finish(), buffered);
    }
}
