"""tavily-python's TavilyClient, unmodified, pointed at driftless with `api_base_url`."""

import pytest
from tavily import TavilyClient
from tavily.errors import BadRequestError

from conftest import QUERY


@pytest.fixture
def client(driftless_url):
    # The key is sent as `Authorization: Bearer x` and ignored by driftless.
    return TavilyClient(api_key="x", api_base_url=driftless_url)


def test_search_exact_schema(client, query_log):
    response = client.search(QUERY, max_results=3, search_depth="advanced", include_answer=True)
    assert set(response) == {"query", "follow_up_questions", "answer", "images", "results", "response_time"}
    assert response["query"] == QUERY and response["answer"] is None
    assert response["follow_up_questions"] is None and response["images"] == []
    assert isinstance(response["response_time"], float)
    assert len(response["results"]) == 3
    for result in response["results"]:
        assert set(result) == {"url", "title", "content", "score", "raw_content"}
        assert result["raw_content"] is None and "**" not in result["content"]
    (record, *_) = query_log("/search#tavily", QUERY)
    assert record["status"] == 200 and record["params"]["k"] == 3


def test_domains_become_site_filters(client, query_log):
    included = client.search("configuration parameters", max_results=5, include_domains=["www.postgresql.org/docs/15"])
    assert included["results"] and all(
        r["url"].startswith("https://www.postgresql.org/docs/15/") for r in included["results"]
    )
    # site: terms match hosts and directories; excluding the only host leaves nothing.
    kept = client.search("index", max_results=5, include_domains=["www.postgresql.org"])
    assert len(kept["results"]) == 5
    excluded = client.search("index", max_results=5, exclude_domains=["www.postgresql.org"])
    assert excluded["results"] == []
    nothing = client.search("index", max_results=5, include_domains=["docs.python.org"])
    assert nothing["results"] == []
    # The log keeps the query the engine ran, with its site: terms.
    (record,) = query_log("/search#tavily", "index site:docs.python.org")
    assert record["results"] == []


def test_raw_content(client):
    response = client.search("vacuum", max_results=2, include_raw_content="text")
    for result in response["results"]:
        assert isinstance(result["raw_content"], str) and len(result["raw_content"]) > len(result["content"])


def test_bad_input_raises_with_the_message(client):
    with pytest.raises(BadRequestError, match="max_results"):
        client.search(QUERY, max_results=50)
    with pytest.raises(BadRequestError, match="search_depth"):
        client.search(QUERY, search_depth="deepest")
    with pytest.raises(BadRequestError, match="query"):
        client.search("")
