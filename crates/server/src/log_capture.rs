//! Feeding answered search and fetch requests to the query log.
//!
//! Handlers build one [`LogRecord`] per engine call after the answer is known and hand it to
//! the capture's non-blocking `record` (a bounded channel to a batching writer, with a spill
//! file behind it), so logging never waits on the store.
use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use driftless_api::{FetchRequest, SearchRequest, SearchResponse};
use driftless_querylog::{LogRecord, LoggedResult};
use serde_json::json;

use crate::access::Caller;
use crate::origin::{Replica, client_ip};
use crate::request_id::X_REQUEST_ID;

/// Header naming the client when there is no API key (agents set it per rollout/worker).
pub const X_CLIENT_ID: &str = "x-client-id";
/// Header carrying an explicit session id.
pub const X_SESSION_ID: &str = "x-session-id";
/// Header carrying the agent's own step number within the session.
pub const X_STEP: &str = "x-step";

/// Who asked, when, and the hints they gave: taken from the request before the engine runs.
#[derive(Debug, Clone)]
pub struct LogContext {
    request_id: String,
    client: String,
    session_hint: Option<String>,
    step_hint: Option<i64>,
    started: Instant,
    ts_ms: i64,
    /// What the response delivers beyond titles and snippets (`LogRecord::params`).
    delivered: Option<serde_json::Value>,
    /// The replica that answers (`serve --replica-id`).
    replica: Option<Arc<str>>,
}

/// Prefix given to an anonymous `x-client-id` that starts with `key:`, the prefix of
/// clients authenticated by an API key: without it, anyone could log requests as a key.
pub const ANONYMOUS_KEY_PREFIX: &str = "anon:";

/// A header's text as sent: UTF-8 when it is valid UTF-8, otherwise each byte as the
/// character of the same number (Latin-1, HTTP's historical header charset), so no byte a
/// client sends is replaced or lost. Trimmed; empty or over 256 bytes counts as absent.
fn header(parts: &Parts, name: &str) -> Option<String> {
    let bytes = parts.headers.get(name)?.as_bytes().trim_ascii();
    if bytes.is_empty() || bytes.len() > 256 {
        return None;
    }
    Some(match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    })
}

/// The client an anonymous caller is logged as: its `x-client-id`, made distinct from
/// every key-authenticated client.
fn anonymous_client(id: String) -> String {
    if id.starts_with("key:") {
        format!("{ANONYMOUS_KEY_PREFIX}{id}")
    } else {
        id
    }
}

impl<S: Send + Sync> FromRequestParts<S> for LogContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Behind a trusted load balancer the client is the address it forwarded (origin.rs).
        let peer = client_ip(&parts.extensions).map(|ip| ip.to_string());
        // An API key names the client; `x-client-id` then tells its rollouts/workers apart.
        let key_id = match parts.extensions.get::<Caller>() {
            Some(Caller::Key(id)) => Some(id.as_str()),
            _ => None,
        };
        let client = match (key_id, header(parts, X_CLIENT_ID)) {
            (Some(id), Some(sub)) => format!("key:{id}/{sub}"),
            (Some(id), None) => format!("key:{id}"),
            (None, Some(client)) => anonymous_client(client),
            (None, None) => peer.unwrap_or_else(|| "unknown".to_string()),
        };
        let ts_ms = driftless_querylog::now_ms();
        Ok(Self {
            request_id: header(parts, X_REQUEST_ID.as_str()).unwrap_or_default(),
            client,
            session_hint: header(parts, X_SESSION_ID),
            step_hint: header(parts, X_STEP).and_then(|s| s.parse().ok()),
            started: Instant::now(),
            ts_ms,
            delivered: None,
            replica: parts.extensions.get::<Replica>().map(|r| r.0.clone()),
        })
    }
}

impl LogContext {
    /// Context of a request that came without HTTP headers (MCP over stdio): the transport
    /// names the client and the session; the request id is a fresh server-made one.
    pub fn detached(client: &str, session_hint: Option<String>) -> Self {
        let ts_ms = driftless_querylog::now_ms();
        Self {
            request_id: crate::request_id::generate_request_id()
                .to_str()
                .unwrap_or_default()
                .to_string(),
            client: client.to_string(),
            session_hint,
            step_hint: None,
            started: Instant::now(),
            ts_ms,
            delivered: None,
            replica: None,
        }
    }

    /// The same context, answered by `replica` (for contexts made without a request).
    #[must_use]
    pub fn with_replica(mut self, replica: Option<Arc<str>>) -> Self {
        self.replica = replica;
        self
    }

    /// The same context, noting that the response delivers `what` beyond titles and
    /// snippets (`"unit_text"`, `{"window_chars": n}`): the log then says which text the
    /// client received, so CTAR can count it as evidence.
    pub fn delivering(&self, what: serde_json::Value) -> Self {
        let mut context = self.clone();
        context.set_delivered(what);
        context
    }

    /// [`LogContext::delivering`] in place, for contexts the caller owns.
    pub fn set_delivered(&mut self, what: serde_json::Value) {
        self.delivered = Some(what);
    }

    /// Context of item `index` of a multi-query request (batch, `/retrieve`): same client,
    /// hints and start, request id `<request id>#<index>` so the client can tell the items'
    /// rows apart (each row also gets its own server-made log key).
    pub fn item(&self, index: usize) -> Self {
        let mut item = self.clone();
        item.request_id = format!("{}#{index}", self.request_id);
        item
    }

    fn record(&self, endpoint: &str, snapshot_id: &str, status: u16) -> LogRecord {
        LogRecord {
            ts_ms: self.ts_ms,
            client: self.client.clone(),
            session_hint: self.session_hint.clone(),
            step_hint: self.step_hint,
            endpoint: endpoint.to_string(),
            query: None,
            params: json!({}),
            snapshot_id: snapshot_id.to_string(),
            results: Vec::new(),
            fetched_doc_id: None,
            status,
            latency_us: self.started.elapsed().as_micros() as u64,
            request_id: self.request_id.clone(),
            // The store's key: always ours, whatever `x-request-id` the client chose.
            log_id: driftless_querylog::new_log_id(),
            replica: self.replica.as_deref().map(str::to_string),
        }
    }

    /// The record of one search.
    pub fn search(
        &self,
        endpoint: &str,
        snapshot_id: &str,
        request: &SearchRequest,
        answer: Option<&SearchResponse>,
        status: u16,
    ) -> LogRecord {
        let mut record = self.record(endpoint, snapshot_id, status);
        record.query = Some(request.q.clone());
        // The mode actually used (the snapshot's default fills an absent one).
        let mode = answer
            .map(|r| r.mode.as_str())
            .or(request.mode.map(|m| m.as_str()));
        record.params = json!({
            "k": request.k, "offset": request.offset, "mode": mode, "unit": request.unit.as_str(),
            "k1": request.k1, "b": request.b,
        });
        if let Some(delivered) = &self.delivered {
            record.params["delivered"] = delivered.clone();
        }
        if let Some(response) = answer {
            record.results = response
                .results
                .iter()
                .map(|h| LoggedResult {
                    doc_id: h.doc_id.clone(),
                    score: h.score,
                    title: h.title.clone(),
                    snippet: h.snippet.clone(),
                    span: h.char_start.zip(h.char_end).map(|(a, b)| [a, b]),
                })
                .collect();
        }
        record
    }

    /// The record of one fetch; `fetched` is the document answered, if any.
    pub fn fetch(
        &self,
        endpoint: &str,
        snapshot_id: &str,
        request: &FetchRequest,
        fetched: Option<&str>,
        status: u16,
    ) -> LogRecord {
        let mut record = self.record(endpoint, snapshot_id, status);
        record.params = json!({ "doc_id": request.doc_id, "url": request.url, "offset": request.offset, "max_chars": request.max_chars });
        record.fetched_doc_id = fetched.map(str::to_string).or(request.doc_id.clone());
        record
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, Request};

    use super::*;

    async fn client_of(caller: Option<Caller>, client_id: &str) -> String {
        let (mut parts, ()) = Request::builder()
            .header(X_CLIENT_ID, client_id)
            .body(())
            .expect("request")
            .into_parts();
        if let Some(caller) = caller {
            parts.extensions.insert(caller);
        }
        let context = LogContext::from_request_parts(&mut parts, &()).await;
        context.expect("infallible").client
    }

    #[tokio::test]
    async fn anonymous_callers_never_look_keyed() {
        // An anonymous caller claiming a key's name is told apart from the key.
        assert_eq!(client_of(None, "key:admin").await, "anon:key:admin");
        assert_eq!(
            client_of(Some(Caller::Anonymous), "key:x/y").await,
            "anon:key:x/y"
        );
        assert_eq!(client_of(None, "worker-3").await, "worker-3");
        assert_eq!(
            client_of(Some(Caller::Key("admin".into())), "w1").await,
            "key:admin/w1"
        );
    }

    #[tokio::test]
    async fn header_bytes_are_kept_and_log_ids_are_ours() {
        let (mut parts, ()) = Request::builder()
            .header(
                X_SESSION_ID,
                HeaderValue::from_bytes(b"s\xe9\xff").expect("obs-text"),
            )
            .header(X_CLIENT_ID, "agent-\u{e9}")
            .header(X_REQUEST_ID.as_str(), "client-chosen")
            .body(())
            .expect("request")
            .into_parts();
        let context = LogContext::from_request_parts(&mut parts, &())
            .await
            .expect("infallible");
        assert_eq!(context.session_hint.as_deref(), Some("s\u{e9}\u{ff}"));
        assert_eq!(context.client, "agent-\u{e9}");
        let (a, b) = (
            context.record("/v1/search", "snap", 200),
            context.record("/v1/search", "snap", 200),
        );
        assert_eq!(a.request_id, "client-chosen");
        assert_ne!(a.log_id, "client-chosen");
        assert_ne!(a.log_id, b.log_id);
    }
}
