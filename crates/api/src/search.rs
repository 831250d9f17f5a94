use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Default number of results.
pub const DEFAULT_K: u32 = 10;
/// Largest `k` a request may ask for.
pub const MAX_K: u32 = 100;
/// Longest query accepted, in characters (Unicode scalar values).
pub const MAX_QUERY_CHARS: usize = 1_000;
/// `offset + k` may not exceed this: deep pages cost memory and no agent needs them.
pub const MAX_RESULT_WINDOW: u32 = 10_000;
/// Largest `fusion_k` a request may ask for: beyond it RRF is rank-insensitive anyway.
pub const MAX_FUSION_K: u32 = 10_000;
/// Most phrase and exclusion clauses (`"a b"`, `-word`, `-"a b"`, and the alternatives of
/// a group holding a phrase) in one query: each is a scan of its terms' postings.
pub const MAX_QUERY_CLAUSES: usize = 16;
/// Largest `offset + k` of the dense and hybrid modes: the ANN search's `ef` grows with
/// it, and past a thousand an approximate ranking's tail means little.
pub const MAX_DENSE_WINDOW: u32 = 1_000;
/// Characters `/v1/fetch` returns when `max_chars` is absent.
pub const DEFAULT_FETCH_CHARS: u64 = 20_000;
/// Largest `max_chars` a fetch may ask for.
pub const MAX_FETCH_CHARS: u64 = 1_000_000;

/// Retrieval mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Lexical BM25 over the tantivy index.
    Bm25,
    /// Approximate nearest neighbours over passage embeddings.
    Dense,
    /// Exact (brute-force) scan over passage embeddings: the ground truth for `dense`.
    DenseExact,
    /// Reciprocal rank fusion of `bm25` and `dense`.
    Hybrid,
}

/// Retrieval unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Whole documents (one result per page).
    #[default]
    Doc,
    /// Passages (windows of a page sized for the embedding model).
    Passage,
}

/// How query terms are marked in snippets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Highlight {
    /// `**term**`: readable by LLMs and people, needs no escaping.
    #[default]
    Markdown,
    /// `<b>term</b>` with the rest of the snippet HTML-escaped.
    Html,
    /// No marks.
    None,
}

macro_rules! keyword_enum {
    ($ty:ty, $what:literal, $($name:literal => $variant:expr),+ $(,)?) => {
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($name => Ok($variant),)+
                    other => Err(format!(
                        concat!("unknown ", $what, " {:?}; expected one of: {}"),
                        other,
                        [$($name),+].join(", ")
                    )),
                }
            }
        }
        impl $ty {
            /// The wire name of this value.
            pub fn as_str(self) -> &'static str {
                $(if self == $variant { return $name; })+
                unreachable!("every variant is listed")
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keyword_enum!(Mode, "mode", "bm25" => Mode::Bm25, "dense" => Mode::Dense,
    "dense_exact" => Mode::DenseExact, "hybrid" => Mode::Hybrid);
keyword_enum!(Unit, "unit", "doc" => Unit::Doc, "passage" => Unit::Passage);
keyword_enum!(Highlight, "highlight", "markdown" => Highlight::Markdown,
    "html" => Highlight::Html, "none" => Highlight::None);

/// A search request after the transport (query string, JSON body, MCP, …) has been decoded.
/// Range checks happen in the engine so that every transport gets the same errors.
//
// The one list of search parameters: the JSON body's schema (`ToSchema`), the query
// string's OpenAPI parameters (`IntoParams`) and the names the server accepts
// ([`param_names`]) all come from these fields, in this order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchRequest {
    /// The query. BM25 syntax: bare terms, `"exact phrase"`, `-excluded`, `OR`, `site:host`;
    /// unbalanced quotes are literal text; at most 16 phrase and exclusion clauses.
    #[schema(min_length = 1, max_length = 1000)]
    #[param(min_length = 1, max_length = 1000)]
    pub q: String,
    /// Number of results, 1..=100 (default 10).
    #[serde(default = "default_k")]
    #[schema(minimum = 1, maximum = 100)]
    #[param(minimum = 1, maximum = 100)]
    pub k: u32,
    /// Number of ranked results to skip (default 0): `offset + k` ≤ 10,000 in mode `bm25`,
    /// ≤ 1,000 in `dense`, `dense_exact` and `hybrid`.
    #[serde(default)]
    pub offset: u32,
    /// Retrieval mode; the snapshot's default when absent.
    #[serde(default)]
    pub mode: Option<Mode>,
    /// Retrieval unit (default `doc`).
    #[serde(default)]
    pub unit: Unit,
    /// BM25 k1 for this request (ablations); the snapshot's default when absent.
    #[serde(default)]
    pub k1: Option<f32>,
    /// BM25 b for this request (ablations); the snapshot's default when absent.
    #[serde(default)]
    pub b: Option<f32>,
    /// RRF constant k of mode `hybrid` for this request (ablations), 1..=10000; the
    /// snapshot's default when absent.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10000)]
    #[param(minimum = 1, maximum = 10000)]
    pub fusion_k: Option<u32>,
    /// How query terms are marked in snippets (default `markdown`).
    #[serde(default)]
    pub highlight: Highlight,
    /// `true` adds to each hit an `explain` object: its rank and score in the BM25 and/or
    /// dense ranking behind `score`, and `fusion_k` in mode `hybrid` (default `false`: no
    /// `explain`, the body is unchanged).
    #[serde(default)]
    pub explain: bool,
}

fn default_k() -> u32 {
    DEFAULT_K
}

/// The parameter names of a request type, in declaration order, from its `IntoParams`: a
/// field added to [`SearchRequest`] or [`FetchRequest`] is accepted and documented at once.
pub fn param_names<T: IntoParams>() -> Vec<String> {
    T::into_params(|| None)
        .into_iter()
        .map(|p| p.name)
        .collect()
}

impl SearchRequest {
    /// A request with every option at its default.
    pub fn new(q: impl Into<String>) -> Self {
        Self {
            q: q.into(),
            k: DEFAULT_K,
            offset: 0,
            mode: None,
            unit: Unit::Doc,
            k1: None,
            b: None,
            fusion_k: None,
            highlight: Highlight::Markdown,
            explain: false,
        }
    }
}

/// One ranked result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Hit {
    /// 1-based rank, counting the skipped `offset` results.
    pub rank: u32,
    /// The document's id.
    pub doc_id: String,
    /// The document's canonical URL.
    pub url: String,
    /// The document's title.
    pub title: String,
    /// The best window of the matching passage, query terms marked.
    pub snippet: String,
    /// Retrieval score; its scale depends on the mode, so compare scores only within one
    /// mode (and, for BM25, one query). `bm25`: the BM25 score (Lucene's formula), unbounded,
    /// ≥ 0, 4 decimals. `dense` and `dense_exact`: cosine similarity of query and passage
    /// embeddings (`unit=doc`: of the document's best passage), in [-1, 1], 4 decimals.
    /// `hybrid`: the reciprocal-rank-fusion sum Σ 1/(fusion_k + rank) over the BM25 and dense
    /// rankings, in (0, 2/(fusion_k + 1)], 6 decimals because neighbouring ranks differ by
    /// less than 1e-4. Rounded after ranking; ranking is by the rounded score, then `doc_id`.
    /// `explain=true` shows the ranks and scores behind it; Tavily's `/search` maps it to [0, 1].
    pub score: f64,
    /// For `unit=passage`: the passage id, `<doc_id>#<ordinal>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage_id: Option<String>,
    /// For `unit=passage`: the passage's first character in the document text (use as `/v1/fetch` offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub char_start: Option<u64>,
    /// For `unit=passage`: one past the passage's last character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub char_end: Option<u64>,
    /// With `explain=true`: the first-stage ranks and scores behind `score`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Explain>,
}

/// A hit's place in one first-stage ranking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ListScore {
    /// 1-based rank in that ranking. In `hybrid` each ranking is cut at
    /// max(100, `offset + k`) before fusion.
    pub rank: u32,
    /// That ranking's own score, 4 decimals: BM25 for `bm25`, cosine similarity for `dense`.
    pub score: f64,
}

/// The rankings behind a hit's `score` (`explain=true`). Mode `bm25` has only `bm25`, the
/// dense modes only `dense` (rank and score are then the hit's own); `hybrid` has both (null
/// when the hit was not in that ranking's first max(100, `offset + k`)) and `fusion_k`, so
/// that `score` = Σ 1/(fusion_k + rank) over the non-null rankings (rounded to 6 decimals).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Explain {
    /// The hit in the BM25 ranking.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schema(value_type = Option<ListScore>)]
    pub bm25: Option<Option<ListScore>>,
    /// The hit in the dense (approximate; `dense_exact`: exact) ranking.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schema(value_type = Option<ListScore>)]
    pub dense: Option<Option<ListScore>>,
    /// `hybrid`: the RRF constant k used (the request's `fusion_k` or the snapshot's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fusion_k: Option<u32>,
}

/// A field that is present (possibly `null`) deserializes to `Some`: absent stays `None`
/// through `default`, so `{"bm25":null}` and `{}` round-trip apart.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The answer to a search. Identical requests against one snapshot get identical bodies:
/// timing and request ids travel in headers only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchResponse {
    /// Snapshot id that answered.
    pub snapshot: String,
    /// The query as received.
    pub query: String,
    /// The mode used.
    pub mode: Mode,
    /// The unit used.
    pub unit: Unit,
    /// Requested number of results.
    pub k: u32,
    /// Requested offset.
    pub offset: u32,
    /// Ranked results: score descending, ties by `doc_id` (then passage) ascending.
    pub results: Vec<Hit>,
}

/// A fetch request: exactly one of `doc_id` or `url`.
// The one list of fetch parameters, as `SearchRequest` is of search parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FetchRequest {
    /// Document id; give exactly one of `doc_id` and `url`.
    #[serde(default)]
    #[param(min_length = 1, max_length = 4096)]
    pub doc_id: Option<String>,
    /// URL of the page, exactly one of `doc_id` and `url`: its canonical form, or the same
    /// with a `#fragment`, `http://` for `https://` (or the reverse) or surrounding spaces,
    /// which are normalised away.
    #[serde(default)]
    pub url: Option<String>,
    /// First character to return (default 0).
    #[serde(default)]
    pub offset: u64,
    /// Most characters to return, 1..=1000000 (default 20000).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1000000)]
    #[param(minimum = 1, maximum = 1000000)]
    pub max_chars: Option<u64>,
}

/// A window of one document's clean text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FetchResponse {
    /// Snapshot id that answered.
    pub snapshot: String,
    /// Document id.
    pub doc_id: String,
    /// Canonical URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// The requested window of the text.
    pub text: String,
    /// Character offset of `text` in the whole document.
    pub offset: u64,
    /// Characters in the whole document.
    pub total_chars: u64,
    /// Offset of the next window when the text goes on past this one (ask again with
    /// `offset=next_offset`); absent at the end of the document. Same as MCP `fetch`'s
    /// `metadata.next_offset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u64>,
}

/// Document frequency of one requested term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TermStat {
    /// The term as asked.
    pub term: String,
    /// The index tokens it analyses to (lower-cased, stemmed; stop words dropped).
    pub tokens: Vec<String>,
    /// Documents that contain every token (0 when the term analyses to nothing).
    pub doc_freq: u64,
}

/// Answer of `/v1/stats/terms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TermStatsResponse {
    /// Snapshot id that answered.
    pub snapshot: String,
    /// Documents in the snapshot.
    pub total_docs: u64,
    /// Passages in the snapshot.
    pub total_passages: u64,
    /// One entry per requested term, in request order.
    pub terms: Vec<TermStat>,
}
