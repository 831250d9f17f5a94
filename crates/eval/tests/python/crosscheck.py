"""Independent check of driftless's metrics on the same run file.

Usage: crosscheck.py QRELS RUN DRIFTLESS_JSON
  DRIFTLESS_JSON: {"per_topic": {qid: {ndcg_10, recall_10, recall_100, mrr_10}}, "mean": {...}}
    as printed by the Rust test (driftless-eval's measures of RUN against QRELS).

The extra measures (nDCG@20, nDCG, P@5, P@10, R@1000, RR, AP, AP@100) are checked the same
way, and the paired t-test against scipy.stats.ttest_rel.

pytrec_eval (trec_eval 9's code) computes ndcg_cut_10, recall_10, recall_100, and the
reciprocal rank of the run cut to its top 10 by trec_eval's own order (trec_eval has no
RR@10); ir_measures computes nDCG@10, R@10, R@100, RR@10 on the same ranking. Every
per-topic value and every mean must agree to 1e-9. Means are over all judged topics, a
topic missing from the run counting 0 (trec_eval -c); both tools skip such topics, so we
add the zeros here.
"""
import json
import sys

import ir_measures
import pytrec_eval
from ir_measures import R, RR, nDCG


def read_qrels(path):
    qrels = {}
    for line in open(path):
        if line.strip():
            qid, _, doc, rel = line.split()
            qrels.setdefault(qid, {})[doc] = int(rel)
    return qrels


def read_run(path):
    run = {}
    for line in open(path):
        if line.strip():
            qid, _, doc, _rank, score, _tag = line.split()
            run.setdefault(qid, {})[doc] = float(score)
    return run


def top10_trec_order(docs):
    # trec_eval's comp_sim_docno: score descending, then docno descending.
    ranked = sorted(docs.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    return dict(ranked[:10])


# ir_measures name -> trec_eval measure (pytrec_eval's result key).
TREC_NAMES = {"nDCG@20": ("ndcg_cut.20", "ndcg_cut_20"), "nDCG": ("ndcg", "ndcg"),
              "P@5": ("P.5", "P_5"), "P@10": ("P.10", "P_10"),
              "R@1000": ("recall.1000", "recall_1000"), "RR": ("recip_rank", "recip_rank"),
              "AP": ("map", "map"), "AP@100": ("map_cut.100", "map_cut_100")}


def check_extra(qrels, run, untied, judged, ours):
    """Every extra measure per topic against pytrec_eval and ir_measures, and the paired
    t-test against scipy.stats.ttest_rel on the same per-topic values."""
    extra = ours["extra"]
    names = extra["measures"]
    pte = pytrec_eval.RelevanceEvaluator(qrels, {TREC_NAMES[n][0] for n in names}).evaluate(run)
    irm = {}
    for m in ir_measures.iter_calc([ir_measures.parse_measure(n) for n in names], qrels, untied):
        irm.setdefault(m.query_id, {})[str(m.measure)] = m.value
    bad = []
    for qid in judged:
        for i, name in enumerate(names):
            mine = extra["per_topic"][qid][i]
            a = pte.get(qid, {}).get(TREC_NAMES[name][1], 0.0)
            b = irm.get(qid, {}).get(name, 0.0)
            if abs(mine - a) > 1e-9 or abs(mine - b) > 1e-9:
                bad.append((qid, name, mine, a, b))
    from scipy.stats import ttest_rel
    t = ours["ttest"]
    ref = ttest_rel(t["a"], t["b"])
    if abs(ref.statistic - t["t"]) > 1e-9 or abs(ref.pvalue - t["p"]) > 1e-9:
        bad.append(("TTEST", "t,p", (t["t"], t["p"]), (float(ref.statistic), float(ref.pvalue)), None))
    print("extra measures %s and the t-test (t=%.6f, p=%.3g): %d mismatches" % (
        names, t["t"], t["p"], len(bad)))
    return bad


def main():
    qrels_path, run_path, ours_path = sys.argv[1:4]
    qrels, run = read_qrels(qrels_path), read_run(run_path)
    ours = json.load(open(ours_path))
    judged = sorted(q for q, d in qrels.items() if any(r >= 1 for r in d.values()))

    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.10,100"})
    pte = evaluator.evaluate(run)
    rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(
        {q: top10_trec_order(d) for q, d in run.items()})
    # ir_measures routes RR@10 to a provider that breaks score ties its own way; give it the
    # run with ties already resolved in trec_eval's order (score = -rank) so every provider
    # ranks the same list.
    untied = {q: {d: -float(i) for i, d in enumerate(
        sorted(docs, key=lambda d: (docs[d], d), reverse=True))} for q, docs in run.items()}
    irm = {}
    for m in ir_measures.iter_calc([nDCG @ 10, R @ 10, R @ 100, RR @ 10], qrels, untied):
        irm.setdefault(m.query_id, {})[str(m.measure)] = m.value

    names = {"ndcg_10": ("ndcg_cut_10", "nDCG@10"), "recall_10": ("recall_10", "R@10"),
             "recall_100": ("recall_100", "R@100"), "mrr_10": (None, "RR@10")}
    mismatches, sums = [], {k: 0.0 for k in names}
    for qid in judged:
        mine = ours["per_topic"].get(qid)
        for key, (pte_name, irm_name) in names.items():
            a = pte.get(qid, {}).get(pte_name, 0.0) if pte_name else rr.get(qid, {}).get("recip_rank", 0.0)
            b = irm.get(qid, {}).get(irm_name, 0.0)
            sums[key] += a
            if mine is None or abs(mine[key] - a) > 1e-9 or abs(mine[key] - b) > 1e-9:
                mismatches.append((qid, key, mine and mine[key], a, b))
    for key in names:
        mean = sums[key] / len(judged)
        if abs(ours["mean"][key] - mean) > 1e-9:
            mismatches.append(("MEAN", key, ours["mean"][key], mean, None))
    mismatches += check_extra(qrels, run, untied, judged, ours)
    for m in mismatches[:20]:
        print("mismatch qid=%s %s driftless=%r pytrec_eval=%r ir_measures=%r" % m)
    print("crosscheck: %d topics, %d mismatches; means %s" % (
        len(judged), len(mismatches), {k: round(sums[k] / len(judged), 6) for k in names}))
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
