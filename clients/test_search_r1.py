"""Search-R1's retrieval protocol, driven exactly as its trainer does.

`search_r1/llm_agent/generation.py` posts `{"queries", "topk", "return_scores": True}` with
`requests.post(search_url, json=payload).json()` and formats each passage with
`_passages2string`; both are reproduced verbatim below (Search-R1 is not on PyPI).
"""

import requests

from conftest import QUERY, logged_doc_ids


def batch_search(search_url: str, queries: list[str], topk: int = 3) -> dict:
    # Search-R1's LLMGenerationManager._batch_search, unchanged.
    payload = {"queries": queries, "topk": topk, "return_scores": True}
    return requests.post(search_url, json=payload).json()


def passages2string(retrieval_result) -> str:
    # Search-R1's LLMGenerationManager._passages2string, unchanged.
    format_reference = ""
    for idx, doc_item in enumerate(retrieval_result):
        content = doc_item["document"]["contents"]
        title = content.split("\n")[0]
        text = "\n".join(content.split("\n")[1:])
        format_reference += f"Doc {idx+1}(Title: {title}) {text}\n"
    return format_reference


def test_trainer_request_and_exact_schema(driftless_url, query_log):
    queries = [QUERY, "vacuum full reclaims disk space"]
    body = batch_search(f"{driftless_url}/retrieve", queries)
    assert list(body) == ["result"]
    assert len(body["result"]) == 2
    for passages in body["result"]:
        assert len(passages) == 3
        for item in passages:
            assert set(item) == {"document", "score"}
            assert set(item["document"]) == {"id", "contents"}
            assert isinstance(item["score"], float)
            title, _, text = item["document"]["contents"].partition("\n")
            assert title.startswith('"') and title.endswith('"') and len(title) > 2
            assert text.strip() and "**" not in text  # plain text, no highlight marks
            assert "#" in item["document"]["id"]
        # Whole passages, not 320-character snippets.
        assert max(len(item["document"]["contents"]) for item in passages) > 400
        scores = [item["score"] for item in passages]
        assert scores == sorted(scores, reverse=True)
    prompt = passages2string(body["result"][0])
    assert prompt.startswith('Doc 1(Title: "') and "Doc 3(Title:" in prompt
    assert "index" in prompt.lower()
    # One log record per query, under the shape's endpoint, with the ranked documents.
    for query, passages in zip(queries, body["result"]):
        (record,) = query_log("/retrieve", query)
        assert record["status"] == 200
        assert record["params"]["unit"] == "passage" and record["params"]["k"] == 3
        ids = [item["document"]["id"].rsplit("#", 1)[0] for item in passages]
        assert logged_doc_ids(record) == ids


def test_defaults_and_bare_documents(driftless_url):
    # topk absent (or 0) means 3 and return_scores defaults to false: bare documents.
    for payload in ({"queries": ["autovacuum"]}, {"queries": ["autovacuum"], "topk": 0}):
        response = requests.post(f"{driftless_url}/retrieve", json=payload)
        assert response.status_code == 200
        (passages,) = response.json()["result"]
        assert len(passages) == 3
        assert all(set(document) == {"id", "contents"} for document in passages)


def test_a_bad_query_does_not_fail_the_batch(driftless_url, query_log):
    payload = {"queries": ["-only -exclusions", "", "wal archiving"], "topk": 2, "return_scores": True}
    response = requests.post(f"{driftless_url}/retrieve", json=payload)
    assert response.status_code == 200
    empty, blank, answered = response.json()["result"]
    assert empty == [] and blank == [] and len(answered) == 2
    (refused,) = query_log("/retrieve", "-only -exclusions")
    assert refused["status"] == 400 and refused["results"] == []


def test_malformed_requests_get_the_error_body(driftless_url):
    for payload in (
        {"topk": 3},
        {"queries": "not a list"},
        {"queries": ["a"], "topk": "three"},
        {"queries": ["a"], "topk": 101},
        {"queries": ["a"], "return_scores": "yes"},
    ):
        response = requests.post(f"{driftless_url}/retrieve", json=payload)
        assert response.status_code == 400, payload
        error = response.json()["error"]
        assert error["code"] and error["message"], payload
    response = requests.post(f"{driftless_url}/retrieve", data="{", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
