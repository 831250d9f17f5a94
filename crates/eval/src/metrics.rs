//! nDCG@10, Recall@10, Recall@100 and MRR@10 with trec_eval's conventions, so numbers
//! from a run file here match `trec_eval`/`pytrec_eval` on the same file:
//! - a run is re-sorted by score descending, ties by docid *descending* (trec_eval's
//!   `comp_sim_docno`), whatever its rank column says;
//! - nDCG gain is the judged grade, discount `log2(rank + 1)`, the ideal ranking is built
//!   from all judged grades (trec_eval 9's `ndcg_cut`);
//! - a document is relevant when its grade is ≥ 1;
//! - the mean is over every topic with at least one relevant document, and a topic with no
//!   results scores 0 (trec_eval `-c`), so an engine cannot gain by returning nothing.
use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::measures::{Measure, evaluate_measures, measure};
use crate::trec::{Qrels, Run};

/// Rank cut-off of nDCG, Recall@10 and MRR.
pub const CUT_SHORT: usize = 10;
/// Rank cut-off of the deep recall.
pub const CUT_DEEP: usize = 100;

/// The four measures of one topic, or their mean over topics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Measures {
    /// nDCG@10.
    pub ndcg_10: f64,
    /// Recall@10.
    pub recall_10: f64,
    /// Recall@100.
    pub recall_100: f64,
    /// Reciprocal rank of the first relevant document within the top 10 (MRR@10).
    pub mrr_10: f64,
}

/// Measures of a whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunEvaluation {
    /// Topics evaluated (with at least one relevant document in the qrels).
    pub topics: usize,
    /// Of those, topics the run has no results for (they score 0).
    pub topics_without_results: usize,
    /// Mean over the evaluated topics.
    pub mean: Measures,
    /// Per topic, by qid.
    #[serde(skip)]
    pub per_topic: BTreeMap<String, Measures>,
}

/// The order trec_eval evaluates a topic's results in: score descending, then docid
/// descending.
pub fn trec_order(results: &[(String, f64)]) -> Vec<&str> {
    let mut sorted: Vec<&(String, f64)> = results.iter().collect();
    sorted.sort_by(|a, b| {
        b.1.partial_cmp(&a.1)
            .unwrap_or(Ordering::Equal)
            .then_with(|| b.0.cmp(&a.0))
    });
    sorted.into_iter().map(|(d, _)| d.as_str()).collect()
}

/// The four standard measures, in the order of [`Measures`]' fields.
pub const STANDARD: [Measure; 4] = [
    Measure::Ndcg(Some(CUT_SHORT)),
    Measure::R(CUT_SHORT),
    Measure::R(CUT_DEEP),
    Measure::Rr(Some(CUT_SHORT)),
];

fn standard(values: &[f64]) -> Measures {
    Measures {
        ndcg_10: values[0],
        recall_10: values[1],
        recall_100: values[2],
        mrr_10: values[3],
    }
}

/// Measures of one topic from its results in evaluation order ([`crate::measures`] defines
/// them).
pub fn measure_topic(ranked: &[&str], judged: &BTreeMap<String, i32>) -> Measures {
    standard(&STANDARD.map(|m| measure(m, ranked, judged)))
}

/// Evaluates `run` against `qrels` (topics without relevant documents are not evaluated):
/// [`evaluate_measures`] with the four standard measures, means summed in qid order so the
/// bits are the same on every run.
pub fn evaluate(run: &Run, qrels: &Qrels) -> RunEvaluation {
    let m = evaluate_measures(run, qrels, &STANDARD);
    RunEvaluation {
        topics: m.topics,
        topics_without_results: m.topics_without_results,
        mean: standard(&m.mean),
        per_topic: m
            .per_topic
            .iter()
            .map(|(qid, values)| (qid.clone(), standard(values)))
            .collect(),
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
