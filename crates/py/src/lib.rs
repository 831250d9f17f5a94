//! `driftless._native`: a snapshot opened in the Python process. Every call builds the same
//! request type the server decodes and runs the same engine function, so a search here
//! returns the bytes `/v1/search` returns for it (`SearchResult.json`); the GIL is released
//! while the engine works, so Python threads search in parallel.
use std::path::PathBuf;
use std::sync::Arc;

use driftless_api::{FetchRequest, Highlight, Mode, SearchRequest, SearchResponse, Unit};
use driftless_index::{IndexError, OpenOptions};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

mod types;

use types::{Document, Hit, SearchResult, TermStats, document, term_stats};

/// An engine error as a Python exception: the caller's mistake is a `ValueError` with the
/// API's message, a fault of ours a `RuntimeError`.
fn py_err(e: IndexError) -> PyErr {
    match e {
        IndexError::User(u) => PyValueError::new_err(u.to_string()),
        IndexError::Internal(i) => PyRuntimeError::new_err(i.to_string()),
    }
}

fn keyword<T: std::str::FromStr<Err = String>>(value: Option<&str>) -> PyResult<Option<T>> {
    value
        .map(str::parse)
        .transpose()
        .map_err(PyValueError::new_err)
}

/// The parameters of a search, as `/v1/search` names them.
#[derive(Debug, Clone)]
struct Params {
    k: u32,
    offset: u32,
    mode: Option<Mode>,
    unit: Unit,
    k1: Option<f32>,
    b: Option<f32>,
    fusion_k: Option<u32>,
    highlight: Highlight,
    explain: bool,
}

impl Params {
    fn request(&self, q: String) -> SearchRequest {
        let mut r = SearchRequest::new(q);
        r.k = self.k;
        r.offset = self.offset;
        r.mode = self.mode;
        r.unit = self.unit;
        r.k1 = self.k1;
        r.b = self.b;
        r.fusion_k = self.fusion_k;
        r.highlight = self.highlight;
        r.explain = self.explain;
        r
    }
}

/// A snapshot built by `driftless build`, opened (and verified) in this process.
#[pyclass(frozen, module = "driftless")]
struct Snapshot {
    inner: Arc<driftless_index::Snapshot>,
}

#[pymethods]
impl Snapshot {
    /// Opens the snapshot directory `path`. `verify` recomputes every file's sha256 and
    /// re-runs the canary queries, as `driftless serve` does; `ort_library` is the ONNX
    /// Runtime for dense queries (default: `$DRIFTLESS_ORT_LIB`, then the user cache).
    #[new]
    #[pyo3(signature = (path, *, verify = true, ort_library = None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        verify: bool,
        ort_library: Option<PathBuf>,
    ) -> PyResult<Self> {
        let defaults = OpenOptions::default();
        let options = OpenOptions {
            verify_checksums: verify,
            verify_canaries: verify,
            ort_library: ort_library.unwrap_or(defaults.ort_library.clone()),
            ..defaults
        };
        let opened = py.detach(move || driftless_index::Snapshot::open_with(&path, &options));
        let inner = opened.map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The snapshot id (the identity every answer carries).
    #[getter]
    fn id(&self) -> String {
        self.inner.id().to_string()
    }

    /// The manifest as JSON text (what `/v1/snapshot` returns).
    #[getter]
    fn manifest_json(&self) -> PyResult<String> {
        serde_json::to_string(self.inner.manifest())
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// Ranked search with `/v1/search`'s parameters.
    #[pyo3(signature = (q, k = 10, *, offset = 0, mode = None, unit = "doc", k1 = None, b = None, fusion_k = None, highlight = "markdown", explain = false))]
    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        py: Python<'_>,
        q: String,
        k: u32,
        offset: u32,
        mode: Option<&str>,
        unit: &str,
        k1: Option<f32>,
        b: Option<f32>,
        fusion_k: Option<u32>,
        highlight: &str,
        explain: bool,
    ) -> PyResult<SearchResult> {
        let params = params(k, offset, mode, unit, (k1, b, fusion_k), highlight, explain)?;
        let snapshot = Arc::clone(&self.inner);
        let answer = py.detach(move || snapshot.search(&params.request(q)));
        SearchResult::new(&answer.map_err(py_err)?)
    }

    /// Many queries with the same parameters, answered in order on `threads` threads
    /// (default: all cores); the answers do not depend on the thread count.
    #[pyo3(signature = (queries, k = 10, *, offset = 0, mode = None, unit = "doc", k1 = None, b = None, fusion_k = None, highlight = "markdown", explain = false, threads = None))]
    #[allow(clippy::too_many_arguments)]
    fn batch_search(
        &self,
        py: Python<'_>,
        queries: Vec<String>,
        k: u32,
        offset: u32,
        mode: Option<&str>,
        unit: &str,
        k1: Option<f32>,
        b: Option<f32>,
        fusion_k: Option<u32>,
        highlight: &str,
        explain: bool,
        threads: Option<usize>,
    ) -> PyResult<Vec<SearchResult>> {
        let params = params(k, offset, mode, unit, (k1, b, fusion_k), highlight, explain)?;
        let threads = threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .clamp(1, 64);
        let snapshot = Arc::clone(&self.inner);
        let answers = py.detach(move || batch(&snapshot, &params, &queries, threads));
        answers
            .into_iter()
            .map(|a| SearchResult::new(&a.map_err(py_err)?))
            .collect()
    }

    /// A window of a document's text by `doc_id` or `url`, as `/v1/fetch`.
    #[pyo3(signature = (doc_id = None, *, url = None, offset = 0, max_chars = None))]
    fn fetch(
        &self,
        py: Python<'_>,
        doc_id: Option<String>,
        url: Option<String>,
        offset: u64,
        max_chars: Option<u64>,
    ) -> PyResult<Document> {
        let request = FetchRequest {
            doc_id,
            url,
            offset,
            max_chars,
        };
        let snapshot = Arc::clone(&self.inner);
        let answer = py.detach(move || snapshot.fetch(&request));
        document(&answer.map_err(py_err)?)
    }

    /// Document frequencies of `terms`, as `/v1/stats/terms`.
    fn term_stats(&self, py: Python<'_>, terms: Vec<String>) -> PyResult<TermStats> {
        let snapshot = Arc::clone(&self.inner);
        let answer = py.detach(move || snapshot.term_stats(&terms));
        term_stats(&answer.map_err(py_err)?)
    }

    fn __repr__(&self) -> String {
        let m = self.inner.manifest();
        format!(
            "Snapshot(id={:.12}, documents={}, passages={}, dense={})",
            m.snapshot_id,
            m.counts.documents,
            m.counts.passages,
            self.inner.dense_index().is_some()
        )
    }
}

fn params(
    k: u32,
    offset: u32,
    mode: Option<&str>,
    unit: &str,
    (k1, b, fusion_k): (Option<f32>, Option<f32>, Option<u32>),
    highlight: &str,
    explain: bool,
) -> PyResult<Params> {
    Ok(Params {
        k,
        offset,
        mode: keyword(mode)?,
        unit: keyword(Some(unit))?.unwrap_or_default(),
        k1,
        b,
        fusion_k,
        highlight: keyword(Some(highlight))?.unwrap_or_default(),
        explain,
    })
}

/// `queries` split into `threads` contiguous chunks, answers put back in query order.
fn batch(
    snapshot: &driftless_index::Snapshot,
    params: &Params,
    queries: &[String],
    threads: usize,
) -> Vec<Result<SearchResponse, IndexError>> {
    let chunk = queries.len().div_ceil(threads).max(1);
    let chunks: Vec<Vec<String>> = queries.chunks(chunk).map(<[String]>::to_vec).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|qs| {
                scope.spawn(move || {
                    qs.into_iter()
                        .map(|q| snapshot.search(&params.request(q)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            // A panic in the engine surfaces as Python's PanicException, never as a list
            // with answers missing.
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Snapshot>()?;
    m.add_class::<SearchResult>()?;
    m.add_class::<Hit>()?;
    m.add_class::<Document>()?;
    m.add_class::<TermStats>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
