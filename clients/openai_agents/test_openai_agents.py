"""examples/mcp_openai_agents.py runs as written with the OpenAI Agents SDK's own MCP client
(`MCPServerStreamableHttp`): tool discovery and one search through /mcp, no LLM call.
Runs in its own venv (see requirements.txt here); clients/run.sh starts the server."""

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mcp_openai_agents.py"


def test_openai_agents_recipe_lists_tools_and_searches(driftless_url, query_log):
    env = {**os.environ, "DRIFTLESS_URL": driftless_url}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--list", "write", "ahead", "log"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "tools: fetch, get_document, search" in done.stdout
    assert done.stdout.count("https://www.postgresql.org/docs/15/") == 3, done.stdout
    (record,) = [r for r in query_log("mcp:search", "write ahead log") if r["client"] == "openai-agents-example"]
    assert record["session_hint"] == "demo-1"
    assert len(record["results"]) == 3
