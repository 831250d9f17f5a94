# %% [markdown]
# # driftless from Python: a retriever ablation in a notebook
#
# Cells in the `# %%` format (VS Code, Jupyter via jupytext). Needs the wheel
# (`scripts/python-package.sh` builds it into `.cache/python/wheels`, or
# `maturin build --release -m crates/py/Cargo.toml`) and `pip install ir-measures`.
# Build the snapshot first, e.g. the PostgreSQL manual with dense vectors:
#
#     driftless build --dense --corpus .cache/corpus/default --include postgresql-doc-15/ --out pg
#
# or any judged collection with `driftless corpus get beir/scifact`.

# %%
import driftless
import ir_measures
from ir_measures import AP, nDCG, R

snap = driftless.Snapshot("pg")  # verifies checksums and canaries, like `driftless serve`
print(snap)

# %% Search in every mode; each answer carries the exact bytes a server would send.
for mode in ["bm25", "dense", "hybrid"]:
    r = snap.search("create index concurrently", k=3, mode=mode)
    print(mode, [(h.rank, h.doc_id, h.score) for h in r.results])

# %% Read a document, window by window.
top = snap.search("vacuum full", k=1).results[0]
doc = snap.fetch(top.doc_id, max_chars=800)
print(doc.title, doc.total_chars, doc.next_offset)
print(doc.text[:400])

# %% The same against a running server (`driftless serve --snapshot pg`).
client = driftless.Client("http://127.0.0.1:8080")
# assert client.search("vacuum full", k=3).json == snap.search("vacuum full", k=3).json

# %% An ablation on a judged set: BEIR-style queries and qrels (here from
# `driftless corpus judged-sets` or `driftless corpus get beir/scifact`).
def load(topics_tsv, qrels_file):
    topics = dict(line.rstrip("\n").split("\t", 1) for line in open(topics_tsv) if line.strip())
    qrels = {}
    for line in open(qrels_file):
        if line.strip():
            qid, _, doc, rel = line.split()
            qrels.setdefault(qid, {})[doc] = int(rel)
    return topics, qrels

# topics, qrels = load("judged/django-3.2.topics.tsv", "judged/django-3.2.qrels")
# for mode in ["bm25", "dense", "hybrid"]:
#     results = dict(zip(topics, snap.batch_search(list(topics.values()), k=100, mode=mode)))
#     print(mode, ir_measures.calc_aggregate([nDCG @ 10, R @ 100, AP], qrels, driftless.to_run(results)))
#     open(f"{mode}.run", "w").write(driftless.to_trec_run(results, tag=mode))
# Then: driftless eval compare --qrels judged/django-3.2.qrels bm25.run hybrid.run
