"""The runnable recipes in examples/ work as written against a real server."""

import pytest

from conftest import EXAMPLES, run_example


def test_search_r1_retriever(driftless_url, query_log):
    out = run_example("search_r1_retriever.py", driftless_url, "sequence nextval", "pg_dump format")
    assert out.count("<information>Doc 1(Title: \"") == 2 and "Doc 3(Title:" in out
    query_log("/retrieve", "pg_dump format")


def test_search_r1_yaml_points_at_retrieve():
    text = (EXAMPLES / "search_r1_retriever.yaml").read_text()
    assert 'url: "http://127.0.0.1:8080/retrieve"' in text and "topk: 3" in text


@pytest.mark.parametrize(
    ("name", "endpoint"),
    [("langchain_searxng.py", "/search#searxng"), ("tavily_client.py", "/search#tavily")],
)
def test_client_recipes(name, endpoint, driftless_url, query_log):
    out = run_example(name, driftless_url, "logical", "replication", "slots")
    assert "https://www.postgresql.org/docs/15/" in out
    query_log(endpoint, "logical replication slots" if endpoint.endswith("searxng") else None)
