"""driftless: reproducible search over driftless snapshots, from Python.

Two ways in, with the same methods and the same result types:

- ``Snapshot(path)`` opens a snapshot built by ``driftless build`` in this process
  (Rust engine, GIL released while searching);
- ``Client(base_url)`` talks to a running ``driftless serve``.

Every result keeps the server's exact JSON body in ``.json``: the same request against the
same snapshot gives the same bytes in-process and over HTTP. ``to_trec_run`` and ``to_run``
turn results into a TREC run file or the ``{qid: {docid: score}}`` dict that ir_measures and
pytrec_eval read.
"""
import json
import urllib.error
import urllib.parse
import urllib.request

from driftless._native import Document, Hit, SearchResult, Snapshot, TermStats, __version__

__all__ = ["Snapshot", "Client", "SearchResult", "Hit", "Document", "TermStats",
           "ApiError", "to_trec_run", "to_run", "__version__"]


class ApiError(Exception):
    """A refusal from a server: HTTP status, the API's error code and message."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Client:
    """A running ``driftless serve`` at ``base_url`` (``http://127.0.0.1:8080``)."""

    def __init__(self, base_url, api_key=None, timeout=30.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def _request(self, method, path, params=None, body=None):
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("content-type", "application/json")
        if self.api_key:
            request.add_header("authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                error = json.loads(text)["error"]
                raise ApiError(e.code, error["code"], error["message"]) from None
            except (ValueError, KeyError):
                raise ApiError(e.code, "http_error", text) from None

    @staticmethod
    def _search_params(q, k, offset, mode, unit, k1, b, fusion_k, highlight, explain):
        params = {"q": q, "k": k}
        optional = {"offset": offset or None, "mode": mode, "unit": unit, "k1": k1, "b": b,
                    "fusion_k": fusion_k, "highlight": highlight,
                    "explain": "true" if explain else None}
        params.update({name: value for name, value in optional.items() if value is not None})
        return params

    def search(self, q, k=10, *, offset=0, mode=None, unit="doc", k1=None, b=None,
               fusion_k=None, highlight="markdown", explain=False):
        """``GET /v1/search``."""
        params = self._search_params(q, k, offset, mode, unit, k1, b, fusion_k, highlight, explain)
        return SearchResult.from_json(self._request("GET", "/v1/search", params))

    def batch_search(self, queries, k=10, *, offset=0, mode=None, unit="doc", k1=None, b=None,
                     fusion_k=None, highlight="markdown", explain=False):
        """``POST /v1/search/batch``, 256 queries per call, answers in query order."""
        out = []
        for start in range(0, len(queries), 256):
            requests = []
            for q in queries[start:start + 256]:
                p = self._search_params(q, k, offset, mode, unit, k1, b, fusion_k, highlight, explain)
                if "explain" in p:
                    p["explain"] = True
                for name in ("k1", "b"):
                    if name in p:
                        p[name] = float(p[name])
                requests.append(p)
            body = json.loads(self._request("POST", "/v1/search/batch", body={"requests": requests}))
            for item in body["responses"]:
                if "error" in item:
                    error = item["error"]
                    raise ApiError(item.get("status", 400), error["code"], error["message"])
                out.append(SearchResult.from_json(json.dumps(item, separators=(",", ":"), ensure_ascii=False)))
        return out

    def fetch(self, doc_id=None, *, url=None, offset=0, max_chars=None):
        """``GET /v1/fetch``."""
        params = {"offset": offset}
        for name, value in (("doc_id", doc_id), ("url", url), ("max_chars", max_chars)):
            if value is not None:
                params[name] = value
        return Document.from_json(self._request("GET", "/v1/fetch", params))

    def term_stats(self, terms):
        """``GET /v1/stats/terms``."""
        return TermStats.from_json(self._request("GET", "/v1/stats/terms", {"terms": ",".join(terms)}))


def to_run(results):
    """``{qid: SearchResult}`` as ``{qid: {docid: score}}`` (ir_measures, pytrec_eval).
    Passage hits roll up to their document's best score, as ``driftless eval`` does."""
    run = {}
    for qid, result in results.items():
        docs = run.setdefault(str(qid), {})
        for hit in result.results:
            docs[hit.doc_id] = max(docs.get(hit.doc_id, float("-inf")), hit.score)
    return run


def to_trec_run(results, tag="driftless"):
    """``{qid: SearchResult}`` as TREC run text: ``qid Q0 docid rank score tag``."""
    lines = []
    for qid, docs in to_run(results).items():
        ranked = sorted(docs.items(), key=lambda item: (-item[1], item[0]))
        lines += [f"{qid} Q0 {doc} {rank} {score} {tag}" for rank, (doc, score) in enumerate(ranked, 1)]
    return "\n".join(lines) + ("\n" if lines else "")
