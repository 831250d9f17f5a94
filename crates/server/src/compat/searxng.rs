//! SearXNG's JSON search API: `GET /search?q=…&format=json` (and `GET /?q=…`, which SearXNG
//! redirects to `/search`; LangChain's `SearxSearchWrapper` requests the host root).
//!
//! Parameters are SearXNG's: `q`, `format`, `pageno`, `language`, `safesearch`,
//! `time_range`, `timeout_limit`, `categories`, `engines`, preferences. Like SearXNG's own
//! `webadapter.py`, a malformed `pageno`, `language`, `safesearch`, `time_range` or
//! `timeout_limit` is a 400, and parameters it does not know are ignored (clients pass
//! engine and preference names freely). `format` must be `json` (or absent): there is no
//! HTML page. `pageno` counts pages of 10 results (`offset = (pageno - 1) * 10`).
//! driftless extension: `mode`.
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use driftless_api::{
    Highlight, Hit, Mode, SEARXNG_PAGE_SIZE, SearchRequest, SearxngResponse, SearxngResult,
};

use crate::error::{ApiError, json_response};
use crate::error_code::ErrorCode;
use crate::log_capture::LogContext;
use crate::query_string::decode as decode_pairs;
use crate::server_timing::EngineTime;
use crate::state::AppState;

/// The endpoint name in the query log.
pub const ENDPOINT: &str = "/search#searxng";

/// Parameters this shape reads; a repeated one is refused, others are ignored.
const KNOWN: &[&str] = &[
    "q",
    "format",
    "pageno",
    "language",
    "safesearch",
    "time_range",
    "timeout_limit",
    "mode",
];

/// SearXNG search, JSON output.
#[utoipa::path(
    get,
    path = "/search",
    operation_id = "searxng_search",
    tag = "compat",
    params(
        ("q" = String, Query, min_length = 1, max_length = 1000, description = "The query (driftless syntax)."),
        ("format" = Option<String>, Query, pattern = "^json$", description = "`json` (the only output format; absent means json)."),
        ("pageno" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Page of 10 results, from 1 (results beyond the 10,000th are not served)."),
        ("language" = Option<String>, Query, description = "Checked as SearXNG does (`en`, `en-US`, `all`, `auto`), then ignored."),
        ("safesearch" = Option<u32>, Query, maximum = 2, description = "0, 1 or 2; ignored."),
        ("time_range" = Option<String>, Query, description = "`day`, `week`, `month`, `year` or empty; ignored (no dates)."),
        ("categories" = Option<String>, Query, description = "Ignored; every result is `general`."),
        ("engines" = Option<String>, Query, description = "Ignored; every result comes from `driftless`."),
        ("mode" = Option<driftless_api::Mode>, Query, description = "driftless extension: retrieval mode."),
    ),
    responses(
        (status = 200, description = "SearXNG's JSON results; deterministic like `/v1/search`.", body = SearxngResponse),
        (status = 400, description = "Missing `q`, malformed known parameter, repeated parameter, `format` other than json.", body = driftless_api::ErrorBody),
        (status = 503, description = "Snapshot not loaded yet or queue full; see `Retry-After`.", body = driftless_api::ErrorBody),
    )
)]
pub async fn search_get(
    State(state): State<AppState>,
    log: LogContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    respond(&state, &log, raw.as_deref().unwrap_or("")).await
}

/// `GET /`: SearXNG redirects a query to `/search` (308 keeps the query string); without a
/// query the root points people at the API docs.
pub async fn root(RawQuery(raw): RawQuery) -> Response {
    let raw = raw.unwrap_or_default();
    let has_query = decode_pairs(&raw)
        .map(|pairs| {
            pairs
                .iter()
                .any(|(name, value)| name == "q" && !value.is_empty())
        })
        .unwrap_or(true);
    let location = if has_query {
        format!("/search?{raw}")
    } else {
        "/docs".to_string()
    };
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response()
}

/// Answers one SearXNG request from its form (query string or form-encoded POST body).
pub(crate) async fn respond(
    state: &AppState,
    log: &LogContext,
    raw: &str,
) -> Result<Response, ApiError> {
    let (request, query) = parse(raw)?;
    let answer = state.search_logged(request, log, ENDPOINT).await?;
    let body = SearxngResponse {
        query,
        number_of_results: 0,
        results: answer.body.results.iter().map(result).collect(),
        answers: Vec::new(),
        corrections: Vec::new(),
        infoboxes: Vec::new(),
        suggestions: Vec::new(),
        unresponsive_engines: Vec::new(),
    };
    let mut response = json_response(StatusCode::OK, &body);
    response.extensions_mut().insert(EngineTime(answer.engine));
    Ok(response)
}

/// The search request and the query as received.
fn parse(raw: &str) -> Result<(SearchRequest, String), ApiError> {
    let pairs = decode_pairs(raw)
        .map_err(|error| ApiError::new(ErrorCode::InvalidEncoding, error.to_string()))?;
    for (index, (name, _)) in pairs.iter().enumerate() {
        if KNOWN.contains(&name.as_str()) && pairs[..index].iter().any(|(n, _)| n == name) {
            return Err(ApiError::new(
                ErrorCode::DuplicateParameter,
                format!("parameter `{name}` is given more than once; send it once"),
            ));
        }
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let q = get("q").filter(|q| !q.is_empty()).ok_or_else(|| {
        ApiError::invalid_parameter("q", "is required: send the query as `q=...`")
    })?;
    match get("format") {
        None | Some("json") => {}
        Some(other) => {
            return Err(ApiError::invalid_parameter(
                "format",
                format!("only `json` is served, got {other:?}"),
            ));
        }
    }
    let pageno = match get("pageno") {
        None => 1,
        Some(value) => digits(value)
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad("pageno", value, "a page number from 1"))?,
    };
    if let Some(value) = get("language")
        && value != "auto"
        && !valid_language(value)
    {
        return Err(bad(
            "language",
            value,
            "a language code such as en, en-US, all or auto",
        ));
    }
    if let Some(value) = get("safesearch") {
        digits(value)
            .filter(|n| *n <= 2)
            .ok_or_else(|| bad("safesearch", value, "0, 1 or 2"))?;
    }
    if let Some(value) = get("time_range")
        && !matches!(value, "" | "None" | "day" | "week" | "month" | "year")
    {
        return Err(bad("time_range", value, "day, week, month, year or empty"));
    }
    if let Some(value) = get("timeout_limit")
        && !matches!(value, "" | "None")
        && value.parse::<f64>().is_err()
    {
        return Err(bad("timeout_limit", value, "a number of seconds"));
    }
    let mut request = SearchRequest::new(q);
    request.k = SEARXNG_PAGE_SIZE;
    // Saturating: a huge page number becomes an offset the engine refuses with its own 400.
    request.offset = (pageno.saturating_sub(1)).saturating_mul(SEARXNG_PAGE_SIZE);
    request.highlight = Highlight::None;
    if let Some(value) = get("mode") {
        request.mode = Some(
            value
                .parse::<Mode>()
                .map_err(|message| ApiError::invalid_parameter("mode", message))?,
        );
    }
    Ok((request, q.to_string()))
}

fn bad(name: &str, value: &str, expected: &str) -> ApiError {
    ApiError::invalid_parameter(name, format!("expected {expected}, got {value:?}"))
}

/// Python's `str.isdigit()` then `int()`, as SearXNG parses numbers.
fn digits(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(value.parse::<u32>().unwrap_or(u32::MAX))
}

/// SearXNG's `VALID_LANGUAGE_CODE`: `^[a-z]{2,3}(-[a-zA-Z]{2})?$`.
fn valid_language(value: &str) -> bool {
    let (lang, region) = match value.split_once('-') {
        Some((lang, region)) => (lang, Some(region)),
        None => (value, None),
    };
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// One hit as a SearXNG result.
fn result(hit: &Hit) -> SearxngResult {
    SearxngResult {
        url: hit.url.clone(),
        title: hit.title.clone(),
        content: hit.snippet.clone(),
        engine: "driftless".into(),
        engines: vec!["driftless".into()],
        positions: vec![hit.rank],
        score: hit.score,
        category: "general".into(),
        parsed_url: parsed_url(&hit.url),
        template: "default.html".into(),
        published_date: None,
        thumbnail: String::new(),
        img_src: String::new(),
        priority: String::new(),
    }
}

/// Python's `urllib.parse.urlparse` as a list (SearXNG serializes the named tuple as one).
fn parsed_url(url: &str) -> Vec<String> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (netloc, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, ""),
    };
    let (path, params) = path.split_once(';').unwrap_or((path, ""));
    [scheme, netloc, path, params, query, fragment]
        .map(str::to_string)
        .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_like_urlparse() {
        assert_eq!(
            parsed_url("https://docs.python.org/3.11/library/os.html#os.walk"),
            [
                "https",
                "docs.python.org",
                "/3.11/library/os.html",
                "",
                "",
                "os.walk"
            ]
        );
        assert_eq!(
            parsed_url("https://a.org"),
            ["https", "a.org", "", "", "", ""]
        );
        assert_eq!(
            parsed_url("https://a.org/p;x?q=1"),
            ["https", "a.org", "/p", "x", "q=1", ""]
        );
    }

    #[test]
    fn parameters_checked_as_searxng_does() {
        let (request, query) =
            parse("q=a+b&format=json&pageno=3&language=en-US&engines=x").unwrap();
        assert_eq!((query.as_str(), request.offset, request.k), ("a b", 20, 10));
        assert!(parse("q=a&language=all&safesearch=2&time_range=&categories=it").is_ok());
        for bad in [
            "",
            "q=",
            "q=a&format=html",
            "q=a&pageno=0",
            "q=a&pageno=-1",
            "q=a&pageno=x",
            "q=a&language=EN",
            "q=a&safesearch=3",
            "q=a&time_range=decade",
            "q=a&timeout_limit=soon",
            "q=a&q=b",
            "q=a&mode=fast",
            "q=%zz",
        ] {
            assert_eq!(
                parse(bad).unwrap_err().status,
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }
}
