//! The Python objects the package returns: read-only views of the API's response types,
//! each also holding the exact JSON body the server sends for the same request (`.json`),
//! so a notebook can compare bytes with a server, store answers, or feed them to other
//! tools. `from_json` builds the same objects from a server's body (the HTTP `Client`).
use driftless_api::{FetchResponse, SearchResponse, TermStatsResponse};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// One ranked result.
#[pyclass(frozen, get_all, module = "driftless")]
#[derive(Debug, Clone)]
pub struct Hit {
    /// 1-based rank (after `offset`).
    pub rank: u32,
    /// Document id.
    pub doc_id: String,
    /// Canonical URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Snippet with the query terms marked.
    pub snippet: String,
    /// Score as the server shows it.
    pub score: f64,
    /// Passage id, for unit="passage".
    pub passage_id: Option<String>,
    /// The passage's first character in the document.
    pub char_start: Option<u64>,
    /// One past the passage's last character.
    pub char_end: Option<u64>,
}

#[pymethods]
impl Hit {
    fn __repr__(&self) -> String {
        format!(
            "Hit(rank={}, doc_id={:?}, score={}, title={:?})",
            self.rank, self.doc_id, self.score, self.title
        )
    }
}

/// A ranked answer.
#[pyclass(frozen, get_all, module = "driftless")]
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// Snapshot id that answered.
    pub snapshot: String,
    /// The query as received.
    pub query: String,
    /// Mode used.
    pub mode: String,
    /// Unit used.
    pub unit: String,
    /// k asked for.
    pub k: u32,
    /// Offset asked for.
    pub offset: u32,
    /// The hits, best first.
    pub results: Vec<Hit>,
    /// The server's exact body for this request.
    pub json: String,
}

impl SearchResult {
    pub fn new(r: &SearchResponse) -> PyResult<Self> {
        let json = serde_json::to_string(r).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self {
            snapshot: r.snapshot.clone(),
            query: r.query.clone(),
            mode: r.mode.as_str().to_string(),
            unit: r.unit.as_str().to_string(),
            k: r.k,
            offset: r.offset,
            results: r
                .results
                .iter()
                .map(|h| Hit {
                    rank: h.rank,
                    doc_id: h.doc_id.clone(),
                    url: h.url.clone(),
                    title: h.title.clone(),
                    snippet: h.snippet.clone(),
                    score: h.score,
                    passage_id: h.passage_id.clone(),
                    char_start: h.char_start,
                    char_end: h.char_end,
                })
                .collect(),
            json,
        })
    }
}

#[pymethods]
impl SearchResult {
    /// The object a server's `/v1/search` body describes.
    #[staticmethod]
    fn from_json(body: &str) -> PyResult<Self> {
        let r: SearchResponse = serde_json::from_str(body)
            .map_err(|e| PyValueError::new_err(format!("not a /v1/search body: {e}")))?;
        let mut result = Self::new(&r)?;
        // Keep the bytes as received: they are what the server sent.
        result.json = body.to_string();
        Ok(result)
    }

    fn __len__(&self) -> usize {
        self.results.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "SearchResult(query={:?}, mode={}, unit={}, hits={}, snapshot={:.12})",
            self.query,
            self.mode,
            self.unit,
            self.results.len(),
            self.snapshot
        )
    }
}

/// A window of a document's clean text.
#[pyclass(frozen, get_all, module = "driftless")]
#[derive(Debug, Clone)]
pub struct Document {
    /// Snapshot id.
    pub snapshot: String,
    /// Document id.
    pub doc_id: String,
    /// Canonical URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// The window's text.
    pub text: String,
    /// First character of the window.
    pub offset: u64,
    /// Characters in the whole document.
    pub total_chars: u64,
    /// Where the next window starts, while text remains.
    pub next_offset: Option<u64>,
    /// The server's exact body.
    pub json: String,
}

#[pymethods]
impl Document {
    /// The object a server's `/v1/fetch` body describes.
    #[staticmethod]
    fn from_json(body: &str) -> PyResult<Self> {
        let r: FetchResponse = serde_json::from_str(body)
            .map_err(|e| PyValueError::new_err(format!("not a /v1/fetch body: {e}")))?;
        let mut d = document(&r)?;
        d.json = body.to_string();
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Document(doc_id={:?}, chars {}..{} of {})",
            self.doc_id,
            self.offset,
            self.offset + self.text.chars().count() as u64,
            self.total_chars
        )
    }
}

pub fn document(r: &FetchResponse) -> PyResult<Document> {
    Ok(Document {
        snapshot: r.snapshot.clone(),
        doc_id: r.doc_id.clone(),
        url: r.url.clone(),
        title: r.title.clone(),
        text: r.text.clone(),
        offset: r.offset,
        total_chars: r.total_chars,
        next_offset: r.next_offset,
        json: serde_json::to_string(r).map_err(|e| PyValueError::new_err(e.to_string()))?,
    })
}

/// Document frequencies of terms (`/v1/stats/terms`).
#[pyclass(frozen, get_all, module = "driftless")]
#[derive(Debug, Clone)]
pub struct TermStats {
    /// Snapshot id.
    pub snapshot: String,
    /// Documents in the snapshot.
    pub total_docs: u64,
    /// Passages in the snapshot.
    pub total_passages: u64,
    /// Each term's analysed tokens and document frequency: `(term, tokens, doc_freq)`.
    pub terms: Vec<(String, Vec<String>, u64)>,
    /// The server's exact body.
    pub json: String,
}

#[pymethods]
impl TermStats {
    /// The object a server's `/v1/stats/terms` body describes.
    #[staticmethod]
    fn from_json(body: &str) -> PyResult<Self> {
        let r: TermStatsResponse = serde_json::from_str(body)
            .map_err(|e| PyValueError::new_err(format!("not a /v1/stats/terms body: {e}")))?;
        let mut t = term_stats(&r)?;
        t.json = body.to_string();
        Ok(t)
    }
}

pub fn term_stats(r: &TermStatsResponse) -> PyResult<TermStats> {
    Ok(TermStats {
        snapshot: r.snapshot.clone(),
        total_docs: r.total_docs,
        total_passages: r.total_passages,
        terms: r
            .terms
            .iter()
            .map(|t| (t.term.clone(), t.tokens.clone(), t.doc_freq))
            .collect(),
        json: serde_json::to_string(r).map_err(|e| PyValueError::new_err(e.to_string()))?,
    })
}
