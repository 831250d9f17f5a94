"""The Python retrieval server agent builders run today, as the peer in benches/peer/run.sh.

It follows Search-R1's `search_r1/search/retrieval_server.py` for BM25: FastAPI, a Pyserini
`LuceneSearcher` over a Lucene index of passage records ({"id", "contents"}, stored raw), a
synchronous `POST /retrieve` taking {"queries": [...], "topk": k, "return_scores": bool} and
answering {"result": [[{"document": <the stored record>, "score": s}, ...], ...]} (Search-R1's
`load_docs` returns `json.loads(searcher.doc(docid).raw())` as the document), served by one
uvicorn worker. BM25 is set to k1 = 0.9, b = 0.4 (Pyserini's default, and ours).

run.sh indexes `driftless corpus export-jsonl --passages`: the passages driftless serves, with
its ids and its `contents` ("<title>" quoted, newline, passage text), so both servers answer
with records from one set of passages, in the same {"id", "contents"} shape.

Usage: retrieval_server.py INDEX_DIR PORT
"""
import json
import sys
import types

# pyserini.search's __init__ eagerly imports its dense searchers (faiss, torch, transformers,
# several GB), and its impact searcher imports pyserini.encode (faiss). The BM25 path never touches them, so the names are stubbed rather than
# installed; LuceneSearcher itself is Pyserini's own code, unchanged.
for _name in ("pyserini.search.faiss", "pyserini.search.faiss._prf", "pyserini.encode"):
    _stub = types.ModuleType(_name)
    _stub.__getattr__ = lambda name: type(name, (), {})
    sys.modules[_name] = _stub

from typing import List, Optional  # noqa: E402

import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from pydantic import BaseModel  # noqa: E402
from pyserini.search.lucene import LuceneSearcher  # noqa: E402


class BM25Retriever:
    def __init__(self, index_path, k1=0.9, b=0.4):
        self.searcher = LuceneSearcher(index_path)
        self.searcher.set_bm25(k1, b)

    def search(self, query, num, return_score):
        hits = self.searcher.search(query, num)
        docs = [json.loads(self.searcher.doc(hit.docid).raw()) for hit in hits]
        if return_score:
            return docs, [hit.score for hit in hits]
        return docs, None

    def batch_search(self, queries, num, return_score):
        results, scores = [], []
        for query in queries:
            docs, s = self.search(query, num, return_score)
            results.append(docs)
            scores.append(s)
        return results, scores


class QueryRequest(BaseModel):
    queries: List[str]
    topk: Optional[int] = None
    return_scores: bool = False


app = FastAPI()
retriever = None


@app.post("/retrieve")
def retrieve_endpoint(request: QueryRequest):
    topk = request.topk or 3
    results, scores = retriever.batch_search(request.queries, topk, request.return_scores)
    resp = []
    for i, single in enumerate(results):
        if request.return_scores:
            resp.append([{"document": d, "score": s} for d, s in zip(single, scores[i])])
        else:
            resp.append(single)
    return {"result": resp}


@app.get("/health")
def health():
    return {"ok": True}


if __name__ == "__main__":
    retriever = BM25Retriever(sys.argv[1])
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
