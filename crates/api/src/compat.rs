//! Wire types of the compatibility shapes: Search-R1's `/retrieve`, SearXNG's and Tavily's
//! `/search`, and the native batch `/v1/search/batch`.
//!
//! They only mirror the bodies the emulated servers send, field for field, so that their
//! unmodified clients work; every one of them is answered by the same engine call as
//! `/v1/search`. Requests of the emulated shapes ignore unknown fields (as those servers do)
//! but check the type of every field they know.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::search::{Mode, SearchRequest, SearchResponse};

/// Most requests one `/v1/search/batch` call may carry.
pub const MAX_BATCH_REQUESTS: usize = 256;
/// Most queries one `/retrieve` call may carry: a trainer sends one query per live rollout.
pub const MAX_RETRIEVE_QUERIES: usize = 4_096;
/// Most hits one multi-query request may ask for (queries × topk for `/retrieve`, the sum of
/// the items' `k` for `/v1/search/batch`): a trainer's 4,096 rollouts × topk 3 fit four
/// times over, while one call can no longer ask for 409,600 passages (~150 MB of JSON).
pub const MAX_REQUEST_HITS: usize = 50_000;
/// `topk` of `/retrieve` when absent or 0, as Search-R1's server (`--topk 3`).
pub const DEFAULT_RETRIEVE_TOPK: u32 = 3;
/// Results per SearXNG page (`pageno` counts pages of this size).
pub const SEARXNG_PAGE_SIZE: u32 = 10;
/// Tavily's default `max_results`.
pub const DEFAULT_TAVILY_RESULTS: u32 = 5;
/// Tavily's largest `max_results`.
pub const MAX_TAVILY_RESULTS: u32 = 20;

/// Search-R1 retrieval request (`search_r1/search/retrieval_server.py`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RetrieveRequest {
    /// One query per rollout; each is answered as if asked alone.
    #[schema(max_items = 4096)]
    pub queries: Vec<String>,
    /// Passages per query, 1..=100; absent or 0 means 3, as in Search-R1.
    #[serde(default)]
    #[schema(maximum = 100)]
    pub topk: Option<u32>,
    /// Wrap each document as `{"document", "score"}` (Search-R1 trainers send `true`).
    #[serde(default)]
    pub return_scores: bool,
    /// driftless extension: retrieval mode; the snapshot's default when absent.
    #[serde(default)]
    pub mode: Option<Mode>,
}

/// A retrieved passage, as a Search-R1 corpus record (`{"id","contents"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetrievedDocument {
    /// Passage id, `<doc_id>#<ordinal>`.
    pub id: String,
    /// `"<title>"` (quoted, as in wiki-18), a newline, then the passage's plain text.
    pub contents: String,
}

/// A retrieved passage with its score (`return_scores: true`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScoredDocument {
    /// The passage.
    pub document: RetrievedDocument,
    /// Retrieval score, as in `/v1/search`.
    pub score: f64,
}

/// One element of a query's result list: scored or bare, as `return_scores` asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum RetrieveItem {
    /// `return_scores: true`.
    Scored(ScoredDocument),
    /// `return_scores: false`.
    Plain(RetrievedDocument),
}

/// Search-R1 retrieval response: one ranked list per query, in query order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RetrieveResponse {
    /// Ranked passages per query; `[]` for a query the engine refused (e.g. empty).
    pub result: Vec<Vec<RetrieveItem>>,
}

/// One SearXNG result (the fields of SearXNG's `MainResult` that clients read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearxngResult {
    /// Canonical URL of the document.
    pub url: String,
    /// Title.
    pub title: String,
    /// Plain-text snippet.
    pub content: String,
    /// Always `driftless`.
    pub engine: String,
    /// Always `["driftless"]`.
    pub engines: Vec<String>,
    /// `[rank]`.
    pub positions: Vec<u32>,
    /// Retrieval score, as in `/v1/search`.
    pub score: f64,
    /// Always `general`.
    pub category: String,
    /// The URL split as Python's `urlparse`: scheme, netloc, path, params, query, fragment.
    pub parsed_url: Vec<String>,
    /// Always `default.html`.
    pub template: String,
    /// Always null: the corpus has no dates.
    #[serde(rename = "publishedDate")]
    pub published_date: Option<String>,
    /// Always empty.
    pub thumbnail: String,
    /// Always empty.
    pub img_src: String,
    /// Always empty.
    pub priority: String,
}

/// SearXNG's `format=json` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearxngResponse {
    /// The query as received.
    pub query: String,
    /// Always 0, as SearXNG when no engine estimates a total.
    pub number_of_results: u64,
    /// Ranked results of the requested page.
    pub results: Vec<SearxngResult>,
    /// Always empty.
    pub answers: Vec<String>,
    /// Always empty.
    pub corrections: Vec<String>,
    /// Always empty.
    pub infoboxes: Vec<String>,
    /// Always empty.
    pub suggestions: Vec<String>,
    /// Always empty.
    pub unresponsive_engines: Vec<String>,
}

/// A Tavily option that is either a flag or a level (`include_answer`, `include_raw_content`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum TavilyOption {
    /// `true` / `false`.
    Flag(bool),
    /// `basic`/`advanced` (answer) or `markdown`/`text` (raw content).
    Level(String),
}

/// Tavily search request (`tavily-python`'s `TavilyClient.search`). Fields driftless cannot
/// honour over a frozen corpus (dates, topic, country, answers, images) are type-checked
/// and ignored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TavilyRequest {
    /// The query (driftless syntax: `"phrase"`, `-term`, `site:host`).
    #[schema(required = true, min_length = 1)]
    pub query: String,
    /// Results, 1..=20 (default 5).
    #[schema(minimum = 1, maximum = 20)]
    pub max_results: Option<u32>,
    /// `basic`, `advanced`, `fast` or `ultra-fast`; all search the same snapshot.
    pub search_depth: Option<String>,
    /// `general`, `news` or `finance`; all search the same snapshot.
    pub topic: Option<String>,
    /// Only results under these hosts (`site:` terms).
    pub include_domains: Option<Vec<String>>,
    /// No results under these hosts (`-site:` terms).
    pub exclude_domains: Option<Vec<String>>,
    /// `restrict` (default); `prefer` is refused (no boosting).
    pub include_domains_mode: Option<String>,
    /// Accepted; `answer` is always null.
    pub include_answer: Option<TavilyOption>,
    /// `true`, `markdown` or `text`: `raw_content` holds the document's text (first 20,000 characters).
    pub include_raw_content: Option<TavilyOption>,
    /// Accepted; `images` is always empty.
    pub include_images: Option<bool>,
    /// Accepted and ignored.
    pub include_image_descriptions: Option<bool>,
    /// Accepted and ignored.
    pub include_favicon: Option<bool>,
    /// Accepted and ignored.
    pub include_usage: Option<bool>,
    /// Accepted and ignored (quoted phrases always match exactly).
    pub exact_match: Option<bool>,
    /// Accepted and ignored.
    pub auto_parameters: Option<bool>,
    /// Accepted and ignored (the corpus has no dates).
    pub time_range: Option<String>,
    /// Accepted and ignored.
    pub start_date: Option<String>,
    /// Accepted and ignored.
    pub end_date: Option<String>,
    /// Accepted and ignored (any unsigned 32-bit value).
    #[schema(format = Int64, minimum = 0, maximum = 4294967295_f64)]
    pub days: Option<u32>,
    /// Accepted and ignored (any unsigned 32-bit value).
    #[schema(format = Int64, minimum = 0, maximum = 4294967295_f64)]
    pub max_age_hours: Option<u32>,
    /// Accepted and ignored (any unsigned 32-bit value).
    #[schema(format = Int64, minimum = 0, maximum = 4294967295_f64)]
    pub chunks_per_source: Option<u32>,
    /// Accepted and ignored.
    pub country: Option<String>,
    /// Accepted and ignored.
    pub language: Option<String>,
    /// Accepted and ignored.
    pub filter_by_language: Option<bool>,
    /// Accepted and ignored.
    pub timeout: Option<f64>,
    /// Accepted and ignored.
    pub fetch_timeout: Option<f64>,
    /// Accepted and ignored.
    pub cache_fallback: Option<bool>,
    /// Accepted and ignored (older clients send the key in the body).
    pub api_key: Option<String>,
    /// driftless extension: retrieval mode; the snapshot's default when absent.
    pub mode: Option<Mode>,
}

/// One Tavily result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TavilyResult {
    /// Canonical URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Plain-text snippet.
    pub content: String,
    /// Relevance in [0, 1]: the `/v1/search` score mapped per mode, monotone in it (never
    /// higher for a lower rank) and depending on that score alone (not on the other hits):
    /// `bm25`: s / (s + 5), 0.5 at a BM25 score of 5; `dense`, `dense_exact`: (cosine + 1) / 2;
    /// `hybrid`: the RRF sum × (k + 1) / 2, its share of the largest possible sum 2 / (k + 1),
    /// so a hit first in both rankings has 1 and one found by a single ranking at most 0.5.
    /// 6 decimals.
    #[schema(minimum = 0, maximum = 1)]
    pub score: f64,
    /// The document's text when `include_raw_content` asked for it, else null.
    pub raw_content: Option<String>,
}

/// Tavily search response. Everything but `response_time` is deterministic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TavilyResponse {
    /// The query as received (without the `site:` terms the domains add).
    pub query: String,
    /// Always null.
    pub follow_up_questions: Option<Vec<String>>,
    /// Always null: driftless generates no answers.
    pub answer: Option<String>,
    /// Always empty.
    pub images: Vec<String>,
    /// Ranked results.
    pub results: Vec<TavilyResult>,
    /// Seconds the server spent, 2 decimals (Tavily's field; the one non-deterministic value).
    pub response_time: f64,
}

/// `POST /v1/search/batch`: up to 256 search requests, each with the fields of `POST /v1/search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchSearchRequest {
    /// The requests, answered in this order.
    #[schema(max_items = 256)]
    pub requests: Vec<SearchRequest>,
}

/// One answer of a batch: the search response, or the error body `/v1/search` would send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum BatchItem {
    /// The request was answered.
    Ok(SearchResponse),
    /// The request was refused.
    Err(ErrorBody),
}

/// Answer of `/v1/search/batch`: one item per request, in request order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BatchSearchResponse {
    /// One answer per request.
    pub responses: Vec<BatchItem>,
}
