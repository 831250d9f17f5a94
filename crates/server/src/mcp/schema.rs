//! Argument and result types of the MCP tools. Their doc comments become the JSON Schema
//! descriptions an LLM reads in `tools/list`, so they are written for that reader.
//!
//! Unknown arguments are refused (`deny_unknown_fields`), as on the REST routes: a misspelt
//! `top_k` silently ignored would change results without anyone noticing.
use driftless_api::{Hit, Mode, Unit};
use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};

/// Retrieval mode (the wire names of [`Mode`]). Inlined as a plain string `enum` (no `$ref`,
/// no per-variant `oneOf`): some function-calling APIs reject `$defs`, and the OpenAI Agents
/// SDK's strict-schema conversion gives up on them; the field's doc describes the values.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum ModeArg {
    // Variants carry no doc comments: with them schemars writes a `oneOf` of consts.
    Bm25,
    Dense,
    DenseExact,
    Hybrid,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::Bm25 => Mode::Bm25,
            ModeArg::Dense => Mode::Dense,
            ModeArg::DenseExact => Mode::DenseExact,
            ModeArg::Hybrid => Mode::Hybrid,
        }
    }
}

/// Retrieval unit (the wire names of [`Unit`]); inlined like [`ModeArg`].
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum UnitArg {
    Doc,
    Passage,
}

impl From<UnitArg> for Unit {
    fn from(unit: UnitArg) -> Self {
        match unit {
            UnitArg::Doc => Unit::Doc,
            UnitArg::Passage => Unit::Passage,
        }
    }
}

/// Arguments of `search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// The query, at most 1000 characters. Keywords work best, e.g. `create index concurrently`
    /// or `"exact phrase" -excluded site:docs.python.org`.
    pub query: String,
    /// Number of results, 1 to 100 (default 10).
    #[serde(default)]
    pub k: Option<u32>,
    /// Number of ranked results to skip, to page past the first k (default 0).
    #[serde(default)]
    pub offset: Option<u32>,
    /// Retrieval mode: bm25 (lexical, supports the query syntax), dense (semantic nearest
    /// neighbours; needs a snapshot built with vectors), dense_exact (exact semantic scan,
    /// slower), hybrid (bm25 and dense fused). Default: hybrid when the snapshot has vectors,
    /// else bm25.
    #[serde(default)]
    pub mode: Option<ModeArg>,
    /// Retrieval unit: doc (one result per page, the default) or passage (one result per
    /// ~200-token window; a page may appear several times).
    #[serde(default)]
    pub unit: Option<UnitArg>,
    /// Require this snapshot (a result's `snapshot` id): an error names the served ones if
    /// this server does not serve it. Default: the server's default snapshot.
    #[serde(default)]
    pub snapshot: Option<String>,
}

/// Arguments of `fetch`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchParams {
    /// The `id` of a search result (its doc_id), or a canonical URL starting with http(s)://.
    pub id: String,
    /// First character to return (default 0); use the previous answer's metadata.next_offset.
    #[serde(default)]
    pub offset: Option<u64>,
    /// Most characters to return, 1 to 1000000 (default 20000).
    #[serde(default)]
    pub max_chars: Option<u64>,
    /// Require this snapshot (a result's `snapshot` id): an error names the served ones if
    /// this server does not serve it. Default: the server's default snapshot.
    #[serde(default)]
    pub snapshot: Option<String>,
}

/// Arguments of `get_document` (BrowseComp-Plus's name and argument).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetDocumentParams {
    /// The document id: the `id` of a search result.
    pub docid: String,
    /// Require this snapshot (a result's `snapshot` id): an error names the served ones if
    /// this server does not serve it. Default: the server's default snapshot.
    #[serde(default)]
    pub snapshot: Option<String>,
}

/// One ranked result. `id`, `title` and `url` are the deep-research connector's fields.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchResult {
    /// The document id (doc_id): pass it to `fetch` or `get_document`.
    pub id: String,
    /// Page title.
    pub title: String,
    /// Canonical URL of the page (cite this).
    pub url: String,
    /// The best-matching window of the page, matched terms in **bold**.
    pub snippet: String,
    /// Retrieval score; higher is better, comparable only within one query and mode: BM25
    /// (mode bm25, 4 decimals), cosine similarity in [-1, 1] (dense modes, 4 decimals) or the
    /// reciprocal-rank-fusion sum of both rankings (hybrid, 6 decimals).
    pub score: f64,
    /// 1-based rank, counting skipped results.
    pub rank: u32,
    /// For unit=passage: the passage id, `<id>#<ordinal>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passage_id: Option<String>,
    /// For unit=passage: the passage's first character in the page text (a fetch offset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub char_start: Option<u64>,
}

impl From<Hit> for SearchResult {
    fn from(hit: Hit) -> Self {
        Self {
            id: hit.doc_id,
            title: hit.title,
            url: hit.url,
            snippet: hit.snippet,
            score: hit.score,
            rank: hit.rank,
            passage_id: hit.passage_id,
            char_start: hit.char_start,
        }
    }
}

/// The answer of `search`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchOutput {
    /// Snapshot id that answered: same snapshot and arguments, same results.
    pub snapshot: String,
    /// The query as received.
    pub query: String,
    /// The mode used.
    pub mode: String,
    /// The unit used.
    pub unit: String,
    /// Ranked results, best first (ties broken by id).
    pub results: Vec<SearchResult>,
}

/// Where the returned window sits in the page.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FetchMetadata {
    /// Snapshot id that answered.
    pub snapshot: String,
    /// Character offset of `text` in the page.
    pub offset: u64,
    /// Characters in the whole page.
    pub total_chars: u64,
    /// Offset of the next window when the page goes on past `text`; absent at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u64>,
}

/// The answer of `fetch`: the deep-research connector's document shape.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FetchOutput {
    /// The document id.
    pub id: String,
    /// Page title.
    pub title: String,
    /// The requested window of the page's clean text.
    pub text: String,
    /// Canonical URL of the page (cite this).
    pub url: String,
    /// Snapshot and window position.
    pub metadata: FetchMetadata,
}

/// The answer of `get_document`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DocumentOutput {
    /// The document id.
    pub docid: String,
    /// Page title.
    pub title: String,
    /// Canonical URL of the page.
    pub url: String,
    /// The page's clean text (the first 1,000,000 characters of longer pages).
    pub text: String,
    /// Characters in the whole page.
    pub total_chars: u64,
}
