//! Tavily's search API: `POST /search` with a JSON body (`tavily-python`'s `TavilyClient`
//! with `api_base_url` pointed here). A form-encoded `POST /search` is SearXNG's form post
//! and goes to [`super::searxng`].
//!
//! `include_domains` / `exclude_domains` become `site:` / `-site:` terms of the query
//! (several `site:` terms are alternatives). The API key (body `api_key` or
//! `Authorization: Bearer`) is accepted and ignored. Everything in the body is deterministic
//! except `response_time`, which Tavily's clients expect; compare bodies without it.
//! Error bodies carry Tavily's `detail.error` next to driftless's `error`, because
//! `tavily-python` reads the message from there.
//!
//! `score` is a relevance in [0, 1], as Tavily's clients expect (they filter on it), mapped
//! from the engine's score by [`relevance`].
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use driftless_api::{
    DEFAULT_FETCH_CHARS, DEFAULT_TAVILY_RESULTS, FetchRequest, Highlight, Hit, MAX_TAVILY_RESULTS,
    Mode, SearchRequest, TavilyOption, TavilyRequest, TavilyResponse, TavilyResult,
};

use super::{decode, error_with_detail, json_value, media_type, read_texts, searxng};
use crate::error::{ApiError, json_response};
use crate::error_code::ErrorCode;
use crate::json_body::MAX_BODY_BYTES;
use crate::log_capture::LogContext;
use crate::server_timing::EngineTime;
use crate::state::AppState;

/// The endpoint name in the query log.
pub const ENDPOINT: &str = "/search#tavily";
/// Tavily's limits on the domain lists.
const MAX_INCLUDE_DOMAINS: usize = 300;
const MAX_EXCLUDE_DOMAINS: usize = 150;

/// Tavily search (JSON body); SearXNG's form post with a form-encoded body.
#[utoipa::path(
    post,
    path = "/search",
    operation_id = "tavily_search",
    tag = "compat",
    request_body(content = TavilyRequest, content_type = "application/json",
        description = "Tavily's search body. A `application/x-www-form-urlencoded` body is read as SearXNG's form post instead (same parameters as GET)."),
    responses(
        (status = 200, description = "Tavily's response; deterministic except `response_time`.", body = TavilyResponse),
        (status = 400, description = "Missing `query`, a known field of the wrong type or value, `include_domains_mode=prefer`, a bad domain. The body also has Tavily's `detail.error`.", body = driftless_api::ErrorBody),
        (status = 415, description = "Neither JSON nor a form body.", body = driftless_api::ErrorBody),
        (status = 503, description = "Snapshot not loaded yet or queue full; see `Retry-After`.", body = driftless_api::ErrorBody),
    )
)]
pub async fn search_post(
    State(state): State<AppState>,
    log: LogContext,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if media_type(&headers).as_deref() == Some("application/x-www-form-urlencoded") {
        let form = match body.as_deref().map(std::str::from_utf8) {
            Ok(Ok(form)) => form.to_owned(),
            _ => {
                let error = ApiError::new(ErrorCode::InvalidEncoding, "the form body is not UTF-8");
                return axum::response::IntoResponse::into_response(error);
            }
        };
        return match searxng::respond(&state, &log, &form).await {
            Ok(response) => response,
            Err(error) => axum::response::IntoResponse::into_response(error),
        };
    }
    let started = Instant::now();
    match search(&state, &log, &headers, body, started).await {
        Ok(response) => response,
        Err(error) => error_with_detail(&error),
    }
}

async fn search(
    state: &AppState,
    log: &LogContext,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    started: Instant,
) -> Result<Response, ApiError> {
    let value = json_value(headers, body, MAX_BODY_BYTES)?;
    let request: TavilyRequest = decode(value, r#"{"query":"...","max_results":5}"#)?;
    let search = search_request(&request)?;
    let raw_wanted = matches!(
        request.include_raw_content,
        Some(TavilyOption::Flag(true) | TavilyOption::Level(_))
    );
    // Raw content is each hit's document from offset 0: the log says so (CTAR evidence).
    let log = if raw_wanted {
        &log.delivering(serde_json::json!({ "window_chars": DEFAULT_FETCH_CHARS }))
    } else {
        log
    };
    let answer = state.search_logged(search, log, ENDPOINT).await?;
    let mode = answer.body.mode;
    let hits = &answer.body.results;
    let mut engine = answer.engine;
    let raw = if raw_wanted {
        let windows = hits
            .iter()
            .map(|hit| FetchRequest {
                doc_id: Some(hit.doc_id.clone()),
                url: None,
                offset: 0,
                max_chars: Some(DEFAULT_FETCH_CHARS),
            })
            .collect();
        let (texts, read) = read_texts(state, windows).await?;
        engine += read;
        texts.into_iter().map(Some).collect()
    } else {
        vec![None; hits.len()]
    };
    let results = hits
        .iter()
        .zip(raw)
        .map(|(hit, raw_content)| TavilyResult {
            url: hit.url.clone(),
            title: hit.title.clone(),
            content: hit.snippet.clone(),
            score: relevance(mode, hit),
            raw_content,
        })
        .collect();
    let body = TavilyResponse {
        query: request.query,
        follow_up_questions: None,
        answer: None,
        images: Vec::new(),
        results,
        response_time: seconds(started.elapsed()),
    };
    let mut response = json_response(StatusCode::OK, &body);
    response.extensions_mut().insert(EngineTime(engine));
    Ok(response)
}

/// The BM25 score that [`relevance`] maps to 0.5.
pub const BM25_HALF_SCORE: f64 = 5.0;

/// Tavily's `score`: the hit's engine score mapped into [0, 1], monotone (a better rank
/// never gets a lower value) and a function of that one score, so a document's value does
/// not depend on the other hits, on `max_results` or on the domain lists:
/// - `bm25`: s / (s + 5), a saturation: 0 for no match, 0.5 at a BM25 score of 5,
///   approaching 1 (BM25 is unbounded, so dividing by a maximum is not possible; dividing
///   by the query's best score would give every query's top hit 1.0, however poor). On the
///   2,700-page test corpus the best hit of a query scores 3 to 12, that is 0.375 to 0.71;
/// - `dense`, `dense_exact`: (c + 1) / 2 of the cosine similarity c;
/// - `hybrid`: the RRF sum divided by its largest possible value 2 / (k + 1) (first in both
///   rankings), so 1.0 is first in both and a hit found by one ranking only is at most 0.5.
///
/// Rounded to 6 decimals. The request sets `explain` to learn the RRF k the ranking used;
/// a hybrid ranking that fused nothing (a query of `site:` operators only) is BM25's.
pub fn relevance(mode: Mode, hit: &Hit) -> f64 {
    let score = hit.score;
    let fusion_k = hit.explain.and_then(|explain| explain.fusion_k);
    let value = match (mode, fusion_k) {
        (Mode::Hybrid, Some(k)) => score * (f64::from(k) + 1.0) / 2.0,
        (Mode::Dense | Mode::DenseExact, _) => (score + 1.0) / 2.0,
        _ => score.max(0.0) / (score.max(0.0) + BM25_HALF_SCORE),
    };
    (value.clamp(0.0, 1.0) * 1e6).round() / 1e6
}

/// Seconds with 2 decimals, as Tavily reports `response_time`.
fn seconds(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 100.0).round() / 100.0
}

/// Checks the known fields and builds the engine request.
fn search_request(request: &TavilyRequest) -> Result<SearchRequest, ApiError> {
    if request.query.trim().is_empty() {
        return Err(ApiError::invalid_parameter(
            "query",
            "is required and must not be empty",
        ));
    }
    let k = request.max_results.unwrap_or(DEFAULT_TAVILY_RESULTS);
    if !(1..=MAX_TAVILY_RESULTS).contains(&k) {
        return Err(ApiError::invalid_parameter(
            "max_results",
            format!("must be between 1 and {MAX_TAVILY_RESULTS}, got {k}"),
        ));
    }
    one_of(
        "search_depth",
        request.search_depth.as_deref(),
        &["basic", "advanced", "fast", "ultra-fast"],
    )?;
    one_of(
        "topic",
        request.topic.as_deref(),
        &["general", "news", "finance"],
    )?;
    one_of(
        "time_range",
        request.time_range.as_deref(),
        &["day", "week", "month", "year", "d", "w", "m", "y"],
    )?;
    one_of(
        "include_domains_mode",
        request.include_domains_mode.as_deref(),
        &["restrict", "prefer"],
    )?;
    if request.include_domains_mode.as_deref() == Some("prefer") {
        return Err(ApiError::invalid_parameter(
            "include_domains_mode",
            "`prefer` (boosting) is not supported; use `restrict` (the default)",
        ));
    }
    level(
        "include_answer",
        request.include_answer.as_ref(),
        &["basic", "advanced"],
    )?;
    level(
        "include_raw_content",
        request.include_raw_content.as_ref(),
        &["markdown", "text"],
    )?;
    let mut q = request.query.clone();
    let include = domains(
        "include_domains",
        request.include_domains.as_deref(),
        MAX_INCLUDE_DOMAINS,
    )?;
    let exclude = domains(
        "exclude_domains",
        request.exclude_domains.as_deref(),
        MAX_EXCLUDE_DOMAINS,
    )?;
    for domain in include {
        q.push_str(" site:");
        q.push_str(domain);
    }
    for domain in exclude {
        q.push_str(" -site:");
        q.push_str(domain);
    }
    let mut search = SearchRequest::new(q);
    search.k = k;
    search.mode = request.mode;
    search.highlight = Highlight::None;
    // For `relevance`: a hybrid hit's explanation names the RRF k of its score.
    search.explain = true;
    Ok(search)
}

fn one_of(name: &str, value: Option<&str>, accepted: &[&str]) -> Result<(), ApiError> {
    match value {
        Some(value) if !accepted.contains(&value) => Err(ApiError::invalid_parameter(
            name,
            format!("expected one of {}, got {value:?}", accepted.join(", ")),
        )),
        _ => Ok(()),
    }
}

fn level(name: &str, value: Option<&TavilyOption>, levels: &[&str]) -> Result<(), ApiError> {
    match value {
        Some(TavilyOption::Level(level)) => one_of(name, Some(level), levels),
        _ => Ok(()),
    }
}

/// The domains of a list, each one `site:` operand: no spaces or quotes, at most `max`.
fn domains<'a>(
    name: &str,
    list: Option<&'a [String]>,
    max: usize,
) -> Result<Vec<&'a str>, ApiError> {
    let list = list.unwrap_or_default();
    if list.len() > max {
        return Err(ApiError::invalid_parameter(
            name,
            format!("at most {max} domains, got {}", list.len()),
        ));
    }
    list.iter()
        .map(|domain| {
            let domain = domain.trim();
            if domain.is_empty() || domain.contains(|c: char| c.is_whitespace() || c == '"') {
                Err(ApiError::invalid_parameter(
                    name,
                    format!("expected host names such as docs.python.org, got {domain:?}"),
                ))
            } else {
                Ok(domain)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: serde_json::Value) -> Result<SearchRequest, ApiError> {
        search_request(&decode::<TavilyRequest>(json, "tavily")?)
    }

    #[test]
    fn domains_become_site_terms() {
        let search = request(serde_json::json!({
            "query": "index", "max_results": 3,
            "include_domains": ["postgresql.org", "https://docs.python.org/"],
            "exclude_domains": ["docs.python.org/3.11"], "api_key": "x", "future_field": 1,
        }))
        .unwrap();
        assert_eq!(
            search.q,
            "index site:postgresql.org site:https://docs.python.org/ -site:docs.python.org/3.11"
        );
        assert_eq!(search.k, 3);
    }

    fn hit(score: f64, explain: Option<driftless_api::Explain>) -> Hit {
        Hit {
            rank: 1,
            doc_id: "d".into(),
            url: "https://example.org/".into(),
            title: "t".into(),
            snippet: "s".into(),
            score,
            passage_id: None,
            char_start: None,
            char_end: None,
            explain,
        }
    }

    #[test]
    fn relevance_is_in_zero_one_and_monotone() {
        let fused = |k| {
            Some(driftless_api::Explain {
                bm25: Some(None),
                dense: Some(None),
                fusion_k: Some(k),
            })
        };
        assert_eq!(relevance(Mode::Bm25, &hit(5.0, None)), 0.5);
        assert_eq!(relevance(Mode::Bm25, &hit(0.0, None)), 0.0);
        assert_eq!(relevance(Mode::Dense, &hit(-1.0, None)), 0.0);
        assert_eq!(relevance(Mode::DenseExact, &hit(0.6417, None)), 0.82085);
        assert_eq!(relevance(Mode::Hybrid, &hit(2.0 / 61.0, fused(60))), 1.0);
        assert_eq!(relevance(Mode::Hybrid, &hit(0.01, fused(60))), 0.305);
        // A hybrid ranking that fused nothing scored by BM25.
        assert_eq!(relevance(Mode::Hybrid, &hit(5.0, None)), 0.5);
        for mode in [Mode::Bm25, Mode::Dense, Mode::Hybrid] {
            let scores = [0.0, 0.0001, 0.016393, 0.5, 0.9999, 1.0, 4.1123, 35.5, 1e6];
            let values: Vec<f64> = scores
                .iter()
                .map(|&s| relevance(mode, &hit(s, fused(60))))
                .collect();
            assert!(values.iter().all(|v| (0.0..=1.0).contains(v)), "{values:?}");
            assert!(
                values.windows(2).all(|w| w[0] <= w[1]),
                "{mode}: {values:?}"
            );
        }
    }

    #[test]
    fn malformed_known_fields_are_refused() {
        for body in [
            serde_json::json!({"query": ""}),
            serde_json::json!({"max_results": 5}),
            serde_json::json!({"query": "a", "max_results": 0}),
            serde_json::json!({"query": "a", "max_results": 21}),
            serde_json::json!({"query": "a", "max_results": "5"}),
            serde_json::json!({"query": "a", "search_depth": "deep"}),
            serde_json::json!({"query": "a", "include_answer": "long"}),
            serde_json::json!({"query": "a", "include_domains": "a.org"}),
            serde_json::json!({"query": "a", "include_domains": ["a b"]}),
            serde_json::json!({"query": "a", "include_domains_mode": "prefer"}),
        ] {
            assert_eq!(
                request(body.clone()).unwrap_err().status,
                StatusCode::BAD_REQUEST,
                "{body}"
            );
        }
    }
}
