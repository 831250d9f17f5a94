//! `driftless eval ann-recall`: how close the ANN index (`mode=dense`, HNSW or IVF) comes to the exact scan
//! (`mode=dense_exact`), and what each costs.
use std::time::Instant;

use serde::Serialize;

use crate::error::{IndexError, InternalError, UserError};
use crate::snapshot::Snapshot;

/// Recall of the ANN index against the exact scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnRecallReport {
    /// Queries asked.
    pub queries: usize,
    /// Cut-off.
    pub k: usize,
    /// The approximate index: `hnsw` or `ivf`.
    pub index: &'static str,
    /// Search effort used: HNSW's beam, or the number of IVF lists probed.
    pub ef_search: usize,
    /// IVF SQ8 candidates re-scored per hit; 0 when every scanned vector is scored in f32
    /// (HNSW, an IVF without codes, or `--rescore 0`).
    pub rescore: usize,
    /// Mean of |ANN top-k ∩ exact top-k| / k.
    pub recall_at_k: f64,
    /// Queries whose ANN top-k equals the exact top-k as a set.
    pub perfect_queries: usize,
    /// ANN searches per second (vector search only, embedding excluded).
    pub ann_qps: f64,
    /// Median time of one ANN search, ms (one thread, embedding excluded).
    pub ann_p50_ms: f64,
    /// 99th percentile of one ANN search, ms.
    pub ann_p99_ms: f64,
    /// Exact scans per second.
    pub exact_qps: f64,
    /// Median query embedding time, ms.
    pub embed_median_ms: f64,
}

/// The search settings an evaluation tries instead of the snapshot's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnnSettings {
    /// HNSW's beam or IVF's lists probed.
    pub ef: Option<usize>,
    /// IVF SQ8 candidates re-scored per hit; `Some(0)` scans the f32 vectors instead.
    pub rescore: Option<usize>,
}

impl Snapshot {
    /// Deterministic evaluation queries: the first `words` words of evenly spaced passages.
    pub fn sample_queries(&self, count: usize, words: usize) -> Result<Vec<String>, IndexError> {
        let passages = self.passages.table.doc_of_ord.len();
        let mut out = Vec::with_capacity(count);
        for i in 0..count.min(passages) {
            let ord = (i * passages / count.max(1)) as u32;
            let text = self.passage_text_by_ord(ord)?;
            let query = text
                .split_whitespace()
                .take(words)
                .collect::<Vec<_>>()
                .join(" ");
            if !query.is_empty() {
                out.push(query);
            }
        }
        Ok(out)
    }

    /// Text of a passage by ordinal.
    pub fn passage_text_by_ord(&self, ord: u32) -> Result<String, InternalError> {
        let passage = *self
            .passages
            .table
            .doc_of_ord
            .get(ord as usize)
            .ok_or_else(|| InternalError::Corrupt(format!("passage ordinal {ord} out of range")))?;
        let doc_ord = self.passages.table.doc_ord[passage as usize] as usize;
        let doc = self.stored_doc(self.docs.table.doc_of_ord[doc_ord])?;
        let text = self.passages.table.text(passage as usize, &doc.text);
        Ok(text.unwrap_or_default().to_string())
    }

    fn dense_or_refuse(&self) -> Result<&crate::dense::DenseIndex, UserError> {
        self.dense.as_ref().ok_or_else(|| {
            UserError::ModeUnavailable(
                "this snapshot has no dense index; build with --dense".into(),
            )
        })
    }

    /// Recall@k of `mode=dense` against `mode=dense_exact` over `queries`.
    /// `settings` override the snapshot's (to see what another setting would give).
    pub fn ann_recall(
        &self,
        queries: &[String],
        k: usize,
        settings: AnnSettings,
    ) -> Result<AnnRecallReport, IndexError> {
        let dense = self.dense_or_refuse()?;
        let mut embed_ms = Vec::with_capacity(queries.len());
        let mut vectors = Vec::with_capacity(queries.len());
        for query in queries {
            let started = Instant::now();
            vectors.push(dense.embed(query)?);
            embed_ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
        let mut report = self.ann_recall_for_vectors(&vectors, k, settings)?;
        embed_ms.sort_by(f64::total_cmp);
        report.embed_median_ms = embed_ms.get(embed_ms.len() / 2).copied().unwrap_or(0.0);
        Ok(report)
    }

    /// Recall@k of `mode=dense` against `mode=dense_exact` for query vectors given directly
    /// (for vectors imported with `--vectors`, whose queries come from the same source).
    pub fn ann_recall_for_vectors(
        &self,
        vectors: &[Vec<f32>],
        k: usize,
        settings: AnnSettings,
    ) -> Result<AnnRecallReport, IndexError> {
        let dense = self.dense_or_refuse()?;
        if let Some(bad) = vectors.iter().find(|v| v.len() != dense.config.dim) {
            return Err(UserError::invalid(
                "query_vectors",
                format!(
                    "a query vector has {} dimensions, the snapshot {}",
                    bad.len(),
                    dense.config.dim
                ),
            )
            .into());
        }
        // The exact scans first: they touch every vector, so the ANN searches after them are
        // timed as in a warm server, not on the page faults of a freshly mapped file.
        let started = Instant::now();
        let exact: Vec<_> = vectors.iter().map(|v| dense.exact(v, k)).collect();
        let exact_secs = started.elapsed().as_secs_f64();
        // HNSW's beam is at least k; IVF's effort is a number of lists, any positive count.
        let ef = settings.ef.unwrap_or(dense.default_effort());
        let rescore = dense.rescore(settings.rescore);
        let ef = if dense.config.ivf.is_some() {
            ef.max(1)
        } else {
            ef.max(k)
        };
        // One untimed pass first: the exact scans mapped the vectors, this maps what the
        // ANN index reads besides (IVF's codes and ordinals, HNSW's graph is on the heap),
        // so the timed pass sees a warm server and not first-touch page faults.
        for v in vectors {
            std::hint::black_box(dense.ann_with(v, k, ef, rescore));
        }
        let mut ann_ms = Vec::with_capacity(vectors.len());
        let started = Instant::now();
        let ann: Vec<_> = vectors
            .iter()
            .map(|v| {
                let one = Instant::now();
                let hits = dense.ann_with(v, k, ef, rescore);
                ann_ms.push(one.elapsed().as_secs_f64() * 1e3);
                hits
            })
            .collect();
        let ann_secs = started.elapsed().as_secs_f64();
        ann_ms.sort_by(f64::total_cmp);
        let quantile = |q: f64| {
            let at = ((ann_ms.len() as f64 - 1.0) * q).round() as usize;
            ann_ms.get(at).copied().unwrap_or(0.0)
        };
        let mut total = 0.0;
        let mut perfect = 0;
        for (a, e) in ann.iter().zip(&exact) {
            let truth: std::collections::HashSet<u32> = e.iter().map(|h| h.0).collect();
            let found = a.iter().filter(|h| truth.contains(&h.0)).count();
            let denominator = truth.len().max(1);
            total += found as f64 / denominator as f64;
            perfect += usize::from(found == truth.len());
        }
        let n = vectors.len().max(1) as f64;
        Ok(AnnRecallReport {
            queries: vectors.len(),
            index: if dense.config.ivf.is_some() {
                "ivf"
            } else {
                "hnsw"
            },
            k,
            ef_search: ef,
            rescore,
            recall_at_k: total / n,
            perfect_queries: perfect,
            ann_qps: n / ann_secs.max(1e-9),
            ann_p50_ms: quantile(0.5),
            ann_p99_ms: quantile(0.99),
            exact_qps: n / exact_secs.max(1e-9),
            embed_median_ms: 0.0,
        })
    }
}
