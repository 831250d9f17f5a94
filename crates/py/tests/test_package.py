"""The installed `driftless` wheel against a real server (run by scripts/python-package.sh).

Environment: DRIFTLESS_URL (a server of DENSE_SNAPSHOT), DENSE_SNAPSHOT, BM25_SNAPSHOT,
TOPICS and QRELS (a judged set over BM25_SNAPSHOT), EVAL_JSON (`driftless eval --format
json` of that set). Plain asserts: any failure exits non-zero with its message.
"""
import json
import os
import threading
import urllib.parse
import urllib.request

import driftless
import ir_measures
from ir_measures import nDCG

URL = os.environ["DRIFTLESS_URL"]
QUERIES = ["create index concurrently", "unique constraint on a column", "create table as select",
           "row level security policy", 'create "materialized view" -refresh']


def server_body(path):
    with urllib.request.urlopen(URL + path, timeout=30) as r:
        return r.read().decode("utf-8")


def check_same_bytes_as_the_server(snap):
    checked = 0
    for mode in ["bm25", "dense", "dense_exact", "hybrid"]:
        for unit in ["doc", "passage"]:
            for q in QUERIES:
                mine = snap.search(q, k=5, mode=mode, unit=unit)
                query = urllib.parse.urlencode({"q": q, "k": 5, "mode": mode, "unit": unit})
                theirs = server_body(f"/v1/search?{query}")
                assert mine.json == theirs, f"{mode}/{unit} {q!r}:\n{mine.json}\n{theirs}"
                assert mine.mode == mode and mine.unit == unit and len(mine) == len(mine.results)
                checked += 1
    # Parameters beyond mode and unit, and the typed view of the same body.
    r = snap.search("create index", k=3, k1=1.2, b=0.5, highlight="html", explain=True, offset=1)
    theirs = server_body("/v1/search?q=create+index&k=3&k1=1.2&b=0.5&highlight=html&explain=true&offset=1")
    assert r.json == theirs
    assert r.results[0].rank == 2 and "<b>" in r.results[0].snippet
    return checked + 1


def check_fetch_stats_batch_and_client(snap):
    hit = snap.search("create index concurrently", k=1).results[0]
    doc = snap.fetch(hit.doc_id, max_chars=500)
    assert doc.json == server_body(f"/v1/fetch?doc_id={urllib.parse.quote(hit.doc_id)}&max_chars=500")
    assert doc.title == hit.title and len(doc.text) <= 500 and doc.next_offset == 500
    by_url = snap.fetch(url=hit.url, offset=100, max_chars=50)
    assert by_url.doc_id == hit.doc_id and by_url.offset == 100
    stats = snap.term_stats(["index", "concurrently"])
    assert stats.json == server_body("/v1/stats/terms?terms=index,concurrently")
    assert stats.terms[0][0] == "index" and stats.terms[0][2] > 0

    batch = snap.batch_search(QUERIES * 4, k=3, mode="hybrid", threads=2)
    assert [b.json for b in batch] == [snap.search(q, k=3, mode="hybrid").json for q in QUERIES * 4]

    client = driftless.Client(URL)
    for mode in ["bm25", "hybrid"]:
        assert client.search(QUERIES[0], k=4, mode=mode).json == snap.search(QUERIES[0], k=4, mode=mode).json
    over_http = client.batch_search(QUERIES, k=3, mode="dense")
    assert [r.results for r in over_http] is not None
    assert [[h.doc_id for h in r.results] for r in over_http] == \
        [[h.doc_id for h in snap.search(q, k=3, mode="dense").results] for q in QUERIES]
    assert client.fetch(hit.doc_id, max_chars=500).json == doc.json
    assert client.term_stats(["index", "concurrently"]).json == stats.json
    try:
        client.search("x", k=1000)
        raise AssertionError("k=1000 must be refused")
    except driftless.ApiError as e:
        assert e.status == 400 and e.code == "invalid_parameter", e
    try:
        snap.search("x", k=1000)
        raise AssertionError("k=1000 must be refused in-process too")
    except ValueError as e:
        assert "k" in str(e)


def check_gil_is_released(snap):
    """Two Python threads searching at once both finish (and agree with a sequential run)."""
    out = {}

    def work(name):
        out[name] = [snap.search(q, k=10, mode="dense_exact").json for q in QUERIES * 10]

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out["a"] == out["b"]


def check_ndcg_with_ir_measures():
    snap = driftless.Snapshot(os.environ["BM25_SNAPSHOT"])
    topics = [line.split("\t", 1) for line in open(os.environ["TOPICS"]) if line.strip()]
    qrels = {}
    for line in open(os.environ["QRELS"]):
        if line.strip():
            qid, _, doc, rel = line.split()
            qrels.setdefault(qid, {})[doc] = int(rel)
    results = {}
    for qid, text in topics:
        try:
            results[qid] = snap.search(text.strip(), k=100)
        except ValueError:
            pass  # refused by the engine: no results, as `driftless eval` counts it
    run = driftless.to_run(results)
    judged = sorted(q for q, docs in qrels.items() if any(r >= 1 for r in docs.values()))
    per_query = {m.query_id: m.value for m in ir_measures.iter_calc([nDCG @ 10], qrels, run)}
    ours = sum(per_query.get(q, 0.0) for q in judged) / len(judged)
    report = json.load(open(os.environ["EVAL_JSON"]))
    theirs = report["configs"][0]["measures"]["ndcg_10"]
    assert abs(ours - theirs) < 1e-9, (ours, theirs)
    trec = driftless.to_trec_run(results, tag="py")
    assert trec.count("\n") == sum(len(v) for v in run.values())
    return ours, len(judged)


def main():
    snap = driftless.Snapshot(os.environ["DENSE_SNAPSHOT"])
    assert snap.id == json.loads(server_body("/v1/snapshot"))["snapshot_id"]
    assert snap.manifest_json == server_body("/v1/snapshot")
    compared = check_same_bytes_as_the_server(snap)
    check_fetch_stats_batch_and_client(snap)
    check_gil_is_released(snap)
    ndcg, topics = check_ndcg_with_ir_measures()
    print(f"python package {driftless.__version__}: {compared} searches byte-identical to the server "
          f"(4 modes x 2 units), fetch/term stats/batch/client agree; nDCG@10 {ndcg:.4f} over "
          f"{topics} topics from ir_measures equals driftless eval")


if __name__ == "__main__":
    main()
