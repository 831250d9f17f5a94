"""The MCP recipes in examples/ run as written with the frameworks' real MCP clients
(langchain-mcp-adapters, smolagents' MCPClient): tool discovery and one search each, no LLM.

The OpenAI Agents SDK recipe runs in its own venv (clients/openai_agents/): openai-agents
pins websockets<17, which the other pinned clients' set cannot share.
"""

import json

import pytest

from conftest import EXAMPLES, run_example

QUESTION = ("logical", "replication", "slots")


@pytest.mark.parametrize("name", ["mcp_langchain.py", "mcp_smolagents.py"])
def test_framework_recipes(name, driftless_url, query_log):
    out = run_example(name, driftless_url, *QUESTION)
    assert "tools: fetch, get_document, search" in out
    assert out.count("https://www.postgresql.org/docs/15/") == 3
    records = query_log("mcp:search", " ".join(QUESTION))
    assert all(len(r["results"]) == 3 for r in records)


def test_langchain_recipe_names_its_session(driftless_url, query_log):
    run_example("mcp_langchain.py", driftless_url, "pg_dump", "custom", "format")
    (record,) = [r for r in query_log("mcp:search", "pg_dump custom format") if r["client"] == "langchain-example"]
    assert record["session_hint"] == "demo-1"


def test_claude_desktop_config_runs_stdio_mode():
    config = json.loads((EXAMPLES / "claude_desktop_config.json").read_text())
    server = config["mcpServers"]["driftless"]
    assert server["args"][:2] == ["mcp", "--snapshot"] and "--log-db" in server["args"]

