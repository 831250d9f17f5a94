"""The same query through every shape ranks the same documents, and each call is logged
under its own endpoint with that ranking."""

import requests
from langchain_community.utilities import SearxSearchWrapper
from tavily import TavilyClient

from conftest import logged_doc_ids

QUERY = "partial index where clause"


def test_every_shape_ranks_the_same_documents(driftless_url, query_log):
    v1 = requests.get(f"{driftless_url}/v1/search", params={"q": QUERY, "k": 10}).json()
    urls = [hit["url"] for hit in v1["results"]]
    doc_ids = [hit["doc_id"] for hit in v1["results"]]
    assert len(urls) == 10

    searxng = SearxSearchWrapper(searx_host=driftless_url).results(QUERY, num_results=10)
    assert [r["link"] for r in searxng] == urls

    tavily = TavilyClient(api_key="x", api_base_url=driftless_url).search(QUERY, max_results=10)
    assert [r["url"] for r in tavily["results"]] == urls

    batch = requests.post(
        f"{driftless_url}/v1/search/batch",
        json={"requests": [{"q": QUERY, "k": 10}, {"q": QUERY, "k": 10, "unit": "passage"}]},
    ).json()
    by_doc, by_passage = batch["responses"]
    assert by_doc == v1

    # /retrieve ranks passages: the same as /v1/search with unit=passage.
    passages = requests.get(
        f"{driftless_url}/v1/search", params={"q": QUERY, "k": 10, "unit": "passage"}
    ).json()
    assert by_passage == passages
    retrieved = requests.post(
        f"{driftless_url}/retrieve", json={"queries": [QUERY], "topk": 10, "return_scores": True}
    ).json()["result"][0]
    assert [item["document"]["id"] for item in retrieved] == [hit["passage_id"] for hit in passages["results"]]
    assert [item["score"] for item in retrieved] == [hit["score"] for hit in passages["results"]]

    # Each shape's call is in the log under its own endpoint, with the same ranking.
    for endpoint in ("/v1/search", "/search#searxng", "/search#tavily"):
        records = [r for r in query_log(endpoint, QUERY) if r["params"]["unit"] == "doc"]
        assert logged_doc_ids(records[-1]) == doc_ids, endpoint
    batch_records = query_log("/v1/search/batch", QUERY, count=2)
    assert sorted(r["request_id"][-2:] for r in batch_records[-2:]) == ["#0", "#1"]
    assert logged_doc_ids(query_log("/retrieve", QUERY)[-1]) == [
        hit["doc_id"] for hit in passages["results"]
    ]
