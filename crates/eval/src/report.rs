//! The evaluation report: per configuration the measures, the resolved parameters, the run
//! file and timing; hybrid's gain over the best single mode; a text table and JSON.
use std::fmt::Write as _;

use driftless_api::Mode;
use serde::Serialize;

use crate::metrics::{Measures, RunEvaluation};
use crate::runner::{ConfigRun, EvalConfig, QuerySyntax, Timing};

/// One evaluated configuration.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigReport {
    /// Run tag (names every ranking parameter).
    pub tag: String,
    /// Parameters as run.
    pub config: EvalConfig,
    /// Mean measures.
    pub measures: Measures,
    /// Topics evaluated.
    pub topics: usize,
    /// Evaluated topics with an empty result list (score 0).
    pub topics_without_results: usize,
    /// Topics the engine refused (counted in `topics_without_results` too).
    pub refused: usize,
    /// Where the run file was written, if anywhere.
    pub run_file: Option<String>,
    /// Wall-clock cost; the only field that differs between reruns.
    pub timing: Timing,
    /// The measures asked for with `--measures` (means and per topic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<crate::measures::Measured>,
}

/// Hybrid against the better of bm25 and dense for one unit.
#[derive(Debug, Clone, Serialize)]
pub struct HybridGain {
    /// The hybrid configuration.
    pub hybrid: String,
    /// The best single-mode configuration of the same unit (by nDCG@10).
    pub best_single: String,
    /// nDCG@10 of hybrid minus that of the best single mode.
    pub ndcg_10_gain: f64,
    /// Recall@100 of hybrid minus that of the same single mode.
    pub recall_100_gain: f64,
}

/// Everything `driftless eval` prints.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Snapshot id.
    pub snapshot: String,
    /// The snapshot's embedding model (manifest `model_id`); absent for BM25-only snapshots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Topics file.
    pub topics_file: String,
    /// Qrels file.
    pub qrels_file: String,
    /// Topics in the topics file.
    pub topics_read: usize,
    /// Documents retrieved per topic.
    pub depth: usize,
    /// Query form.
    pub syntax: QuerySyntax,
    /// One entry per configuration, in the order run.
    pub configs: Vec<ConfigReport>,
    /// Hybrid's gain over the best single mode, per hybrid configuration with both single
    /// modes of its unit in the same evaluation.
    pub hybrid_gains: Vec<HybridGain>,
}

impl ConfigReport {
    /// Combines a run with its evaluation.
    pub fn new(run: &ConfigRun, evaluation: &RunEvaluation, run_file: Option<String>) -> Self {
        Self {
            tag: run.config.tag(),
            config: run.config,
            measures: evaluation.mean,
            topics: evaluation.topics,
            topics_without_results: evaluation.topics_without_results,
            refused: run.refused,
            run_file,
            timing: run.timing,
            extra: None,
        }
    }
}

/// Hybrid's gain over the best single mode of the same unit (and same BM25 parameters).
pub fn hybrid_gains(configs: &[ConfigReport]) -> Vec<HybridGain> {
    let mut gains = Vec::new();
    for hybrid in configs.iter().filter(|c| c.config.mode == Mode::Hybrid) {
        let singles = configs.iter().filter(|c| {
            c.config.unit == hybrid.config.unit
                && (c.config.mode == Mode::Dense
                    || (c.config.mode == Mode::Bm25
                        && c.config.k1 == hybrid.config.k1
                        && c.config.b == hybrid.config.b))
        });
        let has_both = |m: Mode| {
            configs
                .iter()
                .any(|c| c.config.unit == hybrid.config.unit && c.config.mode == m)
        };
        if !(has_both(Mode::Bm25) && has_both(Mode::Dense)) {
            continue;
        }
        if let Some(best) = singles.max_by(|a, b| a.measures.ndcg_10.total_cmp(&b.measures.ndcg_10))
        {
            gains.push(HybridGain {
                hybrid: hybrid.tag.clone(),
                best_single: best.tag.clone(),
                ndcg_10_gain: hybrid.measures.ndcg_10 - best.measures.ndcg_10,
                recall_100_gain: hybrid.measures.recall_100 - best.measures.recall_100,
            });
        }
    }
    gains
}

/// The human-readable table.
pub fn table(report: &EvalReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "snapshot {}{} · {} topics from {} · depth {} · {} queries",
        report.snapshot,
        report
            .model
            .as_ref()
            .map(|m| format!(" · model {m}"))
            .unwrap_or_default(),
        report.topics_read,
        report.topics_file,
        report.depth,
        match report.syntax {
            QuerySyntax::Plain => "plain (bag-of-words)",
            QuerySyntax::Engine => "engine-syntax",
        }
    );
    let _ = writeln!(
        out,
        "{:<7} {:<7} {:>4} {:>4} {:>6} | {:>7} {:>7} {:>7} {:>7} | {:>6} {:>5} | {:>8} {:>8}",
        "mode",
        "unit",
        "k1",
        "b",
        "rrf_k",
        "nDCG@10",
        "R@10",
        "R@100",
        "MRR@10",
        "topics",
        "empty",
        "topics/s",
        "p50 ms"
    );
    for c in &report.configs {
        let rrf = match (c.config.mode, c.config.fusion_k) {
            (Mode::Hybrid, Some(k)) => k.to_string(),
            (Mode::Hybrid, None) => "snap".into(),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "{:<7} {:<7} {:>4} {:>4} {:>6} | {:>7.4} {:>7.4} {:>7.4} {:>7.4} | {:>6} {:>5} | {:>8.1} {:>8.2}",
            c.config.mode.as_str(),
            c.config.unit.as_str(),
            c.config.k1,
            c.config.b,
            rrf,
            c.measures.ndcg_10,
            c.measures.recall_10,
            c.measures.recall_100,
            c.measures.mrr_10,
            c.topics,
            c.topics_without_results,
            c.timing.topics_per_s,
            c.timing.p50_ms
        );
    }
    for g in &report.hybrid_gains {
        let _ = writeln!(
            out,
            "hybrid gain: {} vs best single {}: nDCG@10 {:+.4}, R@100 {:+.4}",
            g.hybrid, g.best_single, g.ndcg_10_gain, g.recall_100_gain
        );
    }
    out
}
