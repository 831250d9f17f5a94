"""LangChain's SearxSearchWrapper, unmodified, against driftless's SearXNG shape.

The wrapper GETs `searx_host` itself with `format=json&language=en` plus any engines,
categories or extra params; SearXNG redirects `/?q=…` to `/search`, and so does driftless.
"""

import requests
from langchain_community.utilities import SearxSearchWrapper

from conftest import QUERY


def test_results_through_the_host_root(driftless_url, query_log):
    searx = SearxSearchWrapper(searx_host=driftless_url)
    results = searx.results(QUERY, num_results=5)
    assert len(results) == 5
    for result in results:
        assert set(result) == {"snippet", "title", "link", "engines", "category"}
        assert result["link"].startswith("https://www.postgresql.org/docs/15/")
        assert result["engines"] == ["driftless"] and result["category"] == "general"
        assert result["title"] and result["snippet"] and "**" not in result["snippet"]
    assert "createindex" in " ".join(r["link"] for r in results)
    (record, *_) = query_log("/search#searxng", QUERY)
    assert record["status"] == 200 and record["params"]["k"] == 10


def test_run_engines_categories_and_extra_params(driftless_url):
    searx = SearxSearchWrapper(searx_host=f"{driftless_url}/search", k=3)
    text = searx.run("autovacuum daemon", engines=["google", "bing"], categories=["general"])
    assert isinstance(text, str) and text.count("\n\n") == 2
    results = searx.results("autovacuum daemon", num_results=3, time_range="year", safesearch="1")
    assert len(results) == 3


def test_exact_json_schema_and_paging(driftless_url):
    page1 = requests.get(f"{driftless_url}/search", params={"q": QUERY, "format": "json"})
    assert page1.status_code == 200 and page1.headers["content-type"] == "application/json"
    body = page1.json()
    assert set(body) == {
        "query", "number_of_results", "results", "answers", "corrections", "infoboxes",
        "suggestions", "unresponsive_engines",
    }
    assert body["query"] == QUERY and len(body["results"]) == 10
    first = body["results"][0]
    assert set(first) == {
        "url", "title", "content", "engine", "engines", "positions", "score", "category",
        "parsed_url", "template", "publishedDate", "thumbnail", "img_src", "priority",
    }
    assert first["positions"] == [1] and first["parsed_url"][:2] == ["https", "www.postgresql.org"]
    page2 = requests.get(f"{driftless_url}/search", params={"q": QUERY, "format": "json", "pageno": 2}).json()
    assert page2["results"][0]["positions"] == [11]
    assert not {r["url"] for r in page2["results"]} & {r["url"] for r in body["results"]}
    # Deterministic: the same request gives the same bytes.
    again = requests.get(f"{driftless_url}/search", params={"q": QUERY, "format": "json"})
    assert again.content == page1.content


def test_malformed_known_parameters_are_400(driftless_url):
    for params in (
        {"format": "json"},
        {"q": QUERY, "format": "html"},
        {"q": QUERY, "pageno": "0"},
        {"q": QUERY, "safesearch": "5"},
        {"q": QUERY, "language": "English"},
        {"q": QUERY, "time_range": "decade"},
    ):
        response = requests.get(f"{driftless_url}/search", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "invalid_parameter", params
    # Parameters SearXNG would ignore are ignored here too.
    ok = requests.get(f"{driftless_url}/search", params={"q": QUERY, "theme": "simple", "image_proxy": "1"})
    assert ok.status_code == 200
