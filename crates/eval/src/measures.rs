//! Measures named the way ir_measures names them — `nDCG@10`, `P@5`, `R@100`, `RR@10`,
//! `AP`, `AP@100`, `nDCG` — at any cut-off, computed with trec_eval's conventions (see
//! `metrics.rs`: trec_eval's tie order, grade ≥ 1 is relevant, missing topics score 0), so
//! a value here equals ir_measures' and pytrec_eval's on the same files
//! (tests/crosscheck.rs checks every measure against both).
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::metrics::trec_order;
use crate::trec::{Qrels, Run};

/// One measure; `None` as a cut-off means the whole ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    /// Normalised discounted cumulative gain (trec_eval `ndcg_cut` / `ndcg`).
    Ndcg(Option<usize>),
    /// Precision at k: relevant documents in the top k, over k.
    P(usize),
    /// Recall at k: relevant documents in the top k, over all relevant documents.
    R(usize),
    /// Reciprocal rank of the first relevant document (within the top k).
    Rr(Option<usize>),
    /// Average precision (of the top k): trec_eval `map` / `map_cut`.
    Ap(Option<usize>),
}

impl FromStr for Measure {
    type Err = String;

    /// `nDCG@10`, `P@5`, `R@100` (also `Recall@100`), `RR@10` (also `MRR@10`), `RR`, `AP`
    /// (also `MAP`), `AP@1000`, `nDCG`; names are case-insensitive.
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, cut) = match s.trim().split_once('@') {
            Some((name, cut)) => {
                let k: usize = cut.parse().ok().filter(|&k| k > 0).ok_or_else(|| {
                    format!("measure {s:?}: the cut-off must be a whole number ≥ 1")
                })?;
                (name, Some(k))
            }
            None => (s.trim(), None),
        };
        let need_cut = |f: fn(usize) -> Measure| {
            cut.map(f)
                .ok_or_else(|| format!("measure {s:?} needs a cut-off, e.g. {name}@10"))
        };
        match name.to_ascii_lowercase().as_str() {
            "ndcg" => Ok(Measure::Ndcg(cut)),
            "p" | "precision" => need_cut(Measure::P),
            "r" | "recall" => need_cut(Measure::R),
            "rr" | "mrr" => Ok(Measure::Rr(cut)),
            "ap" | "map" => Ok(Measure::Ap(cut)),
            _ => Err(format!(
                "unknown measure {s:?}; known: nDCG[@k], P@k, R@k, RR[@k], AP[@k]"
            )),
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, cut) = match *self {
            Measure::Ndcg(c) => ("nDCG", c),
            Measure::P(k) => ("P", Some(k)),
            Measure::R(k) => ("R", Some(k)),
            Measure::Rr(c) => ("RR", c),
            Measure::Ap(c) => ("AP", c),
        };
        match cut {
            Some(k) => write!(f, "{name}@{k}"),
            None => f.write_str(name),
        }
    }
}

/// Parses a comma-separated list such as `nDCG@10,P@5,AP`.
pub fn parse_measures(list: &str) -> Result<Vec<Measure>, String> {
    list.split(',')
        .filter(|m| !m.trim().is_empty())
        .map(str::parse)
        .collect()
}

fn discount(rank0: usize) -> f64 {
    ((rank0 + 2) as f64).log2()
}

/// One measure of one topic, from its results in evaluation order.
pub fn measure(m: Measure, ranked: &[&str], judged: &BTreeMap<String, i32>) -> f64 {
    let grade = |doc: &str| judged.get(doc).copied().unwrap_or(0).max(0);
    let relevant = judged.values().filter(|&&g| g >= 1).count();
    if relevant == 0 {
        return 0.0;
    }
    let top = |cut: Option<usize>| &ranked[..cut.map_or(ranked.len(), |k| k.min(ranked.len()))];
    match m {
        Measure::Ndcg(cut) => {
            let dcg: f64 = top(cut)
                .iter()
                .enumerate()
                .map(|(i, d)| f64::from(grade(d)) / discount(i))
                .sum();
            let mut ideal: Vec<i32> = judged.values().map(|&g| g.max(0)).collect();
            ideal.sort_unstable_by(|a, b| b.cmp(a));
            let idcg: f64 = ideal
                .iter()
                .take(cut.unwrap_or(usize::MAX))
                .enumerate()
                .map(|(i, &g)| f64::from(g) / discount(i))
                .sum();
            if idcg > 0.0 { dcg / idcg } else { 0.0 }
        }
        Measure::P(k) => top(Some(k)).iter().filter(|d| grade(d) >= 1).count() as f64 / k as f64,
        Measure::R(k) => {
            top(Some(k)).iter().filter(|d| grade(d) >= 1).count() as f64 / relevant as f64
        }
        Measure::Rr(cut) => top(cut)
            .iter()
            .position(|d| grade(d) >= 1)
            .map_or(0.0, |p| 1.0 / (p + 1) as f64),
        Measure::Ap(cut) => {
            let mut hits = 0usize;
            let mut sum = 0.0;
            for (i, d) in top(cut).iter().enumerate() {
                if grade(d) >= 1 {
                    hits += 1;
                    sum += hits as f64 / (i + 1) as f64;
                }
            }
            sum / relevant as f64
        }
    }
}

/// Measures of a run: per topic and mean, over the topics with a relevant document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measured {
    /// The measures, in the order asked.
    pub measures: Vec<String>,
    /// Topics evaluated.
    pub topics: usize,
    /// Of those, topics the run has no results for (they score 0).
    pub topics_without_results: usize,
    /// Mean of each measure (summed in qid order: the same bits on every run).
    pub mean: Vec<f64>,
    /// Per topic, by qid: one value per measure.
    pub per_topic: BTreeMap<String, Vec<f64>>,
}

/// Evaluates `run` against `qrels` with `measures`.
pub fn evaluate_measures(run: &Run, qrels: &Qrels, measures: &[Measure]) -> Measured {
    let mut per_topic = BTreeMap::new();
    let mut without = 0;
    for (qid, judged) in qrels {
        if !judged.values().any(|&g| g >= 1) {
            continue;
        }
        let values = match run.get(qid) {
            Some(results) if !results.is_empty() => {
                let ranked = trec_order(results);
                measures
                    .iter()
                    .map(|&m| measure(m, &ranked, judged))
                    .collect()
            }
            _ => {
                without += 1;
                vec![0.0; measures.len()]
            }
        };
        per_topic.insert(qid.clone(), values);
    }
    let n = per_topic.len().max(1) as f64;
    let mean = (0..measures.len())
        .map(|i| per_topic.values().map(|v: &Vec<f64>| v[i]).sum::<f64>() / n)
        .collect();
    Measured {
        measures: measures.iter().map(ToString::to_string).collect(),
        topics: per_topic.len(),
        topics_without_results: without,
        mean,
        per_topic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_names_say_what_is_known() {
        for name in [
            "nDCG@10", "P@5", "R@100", "RR@10", "RR", "AP", "AP@1000", "nDCG",
        ] {
            assert_eq!(name.parse::<Measure>().expect(name).to_string(), name);
        }
        assert_eq!("map".parse::<Measure>(), Ok(Measure::Ap(None)));
        assert_eq!("MRR@10".parse::<Measure>(), Ok(Measure::Rr(Some(10))));
        assert!(
            "P".parse::<Measure>()
                .unwrap_err()
                .contains("needs a cut-off")
        );
        assert!("P@0".parse::<Measure>().is_err());
        assert!("bpref".parse::<Measure>().unwrap_err().contains("known:"));
    }

    #[test]
    fn by_hand() {
        let judged: BTreeMap<String, i32> = [("a", 1), ("b", 0), ("c", 2), ("d", 1)]
            .iter()
            .map(|(d, g)| (d.to_string(), *g))
            .collect();
        let ranked = ["b", "a", "x", "c"];
        // Relevant: a (rank 2), c (rank 4); d never retrieved; 3 relevant in all.
        assert_eq!(measure(Measure::P(2), &ranked, &judged), 0.5);
        assert_eq!(measure(Measure::P(10), &ranked, &judged), 0.2);
        assert_eq!(measure(Measure::R(4), &ranked, &judged), 2.0 / 3.0);
        assert_eq!(measure(Measure::Rr(None), &ranked, &judged), 0.5);
        assert_eq!(measure(Measure::Rr(Some(1)), &ranked, &judged), 0.0);
        assert!((measure(Measure::Ap(None), &ranked, &judged) - (0.5 + 0.5) / 3.0).abs() < 1e-12);
        assert!((measure(Measure::Ap(Some(2)), &ranked, &judged) - 0.5 / 3.0).abs() < 1e-12);
    }
}
