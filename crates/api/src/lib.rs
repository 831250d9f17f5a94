//! Request and response types of the driftless API.
//!
//! REST routes, the OpenAPI document, the MCP tools and the compat shapes (Search-R1,
//! SearXNG, Tavily) are all views of these types, so they live in one crate with no logic
//! of their own.
//!
//! ```
//! use driftless_api::{Mode, Unit};
//! assert_eq!(serde_json::to_string(&Mode::Bm25).unwrap(), "\"bm25\"");
//! assert_eq!("passage".parse::<Unit>().unwrap(), Unit::Passage);
//! ```
#![warn(missing_docs)]

mod compat;
mod error;
mod manifest;
mod search;

pub use compat::{
    BatchItem, BatchSearchRequest, BatchSearchResponse, DEFAULT_RETRIEVE_TOPK,
    DEFAULT_TAVILY_RESULTS, MAX_BATCH_REQUESTS, MAX_REQUEST_HITS, MAX_RETRIEVE_QUERIES,
    MAX_TAVILY_RESULTS, RetrieveItem, RetrieveRequest, RetrieveResponse, RetrievedDocument,
    SEARXNG_PAGE_SIZE, ScoredDocument, SearxngResponse, SearxngResult, TavilyOption, TavilyRequest,
    TavilyResponse, TavilyResult,
};
pub use error::{ErrorBody, ErrorDetail};
pub use manifest::{BuildConfig, CanaryRecord, FileChecksum, Manifest, SnapshotCounts};
pub use search::{
    DEFAULT_FETCH_CHARS, DEFAULT_K, Explain, FetchRequest, FetchResponse, Highlight, Hit,
    ListScore, MAX_DENSE_WINDOW, MAX_FETCH_CHARS, MAX_FUSION_K, MAX_K, MAX_QUERY_CHARS,
    MAX_QUERY_CLAUSES, MAX_RESULT_WINDOW, Mode, SearchRequest, SearchResponse, TermStat,
    TermStatsResponse, Unit, param_names,
};
