"""examples/mcp_openai_agents.py runs as written with the OpenAI Agents SDK's own MCP client
(`MCPServerStreamableHttp`): tool discovery and one search through /mcp, no LLM call.
Runs in its own venv (see requirements.txt here); clients/run.sh starts the server."""

from conftest import run_example


def test_openai_agents_recipe_lists_tools_and_searches(driftless_url, query_log):
    out = run_example("mcp_openai_agents.py", driftless_url, "--list", "write", "ahead", "log")
    assert "tools: fetch, get_document, search" in out
    assert out.count("https://www.postgresql.org/docs/15/") == 3, out
    (record,) = [r for r in query_log("mcp:search", "write ahead log") if r["client"] == "openai-agents-example"]
    assert record["session_hint"] == "demo-1"
    assert len(record["results"]) == 3
