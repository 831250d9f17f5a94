"""MCP with the real, unmodified `mcp` SDK from PyPI: streamable HTTP against the running
server's /mcp, and stdio against `driftless mcp --snapshot`.

Written against the client API that the SDK's 1.x and 2.x share (ClientSession,
streamable_http_client, stdio_client; result fields through `field`), so the same tests run
with either major version: requirements.txt pins 1.x, the line the agent frameworks support.
"""

import json
import re
import uuid
from contextlib import asynccontextmanager

import anyio
import pytest
import requests
from conftest import QUERY, read_log
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

TOOLS = {"search", "fetch", "get_document", "term_stats"}


@asynccontextmanager
async def http_session(url: str, headers: dict[str, str] | None = None):
    """An initialized ClientSession over streamable HTTP; `headers` go on every POST."""
    async with create_mcp_http_client(headers=headers) as http:
        async with streamable_http_client(f"{url}/mcp", http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                yield session


def field(model, name: str):
    """A result field by its wire name: mcp 1.x models use it (`isError`), 2.x snake_case."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return getattr(model, snake) if hasattr(model, snake) else getattr(model, name)


def structured(result) -> dict:
    """The structured answer of a successful call; its one text item holds the same JSON
    (the shape OpenAI's deep-research connectors read)."""
    assert not field(result, "isError"), result.content
    assert len(result.content) == 1 and result.content[0].type == "text"
    assert json.loads(result.content[0].text) == field(result, "structuredContent")
    return field(result, "structuredContent")


def v1_doc_ids(driftless_url: str, **params) -> list[str]:
    response = requests.get(f"{driftless_url}/v1/search", params=params, timeout=30)
    response.raise_for_status()
    return [hit["doc_id"] for hit in response.json()["results"]]


async def check_tools_and_search(session, driftless_url: str) -> list[str]:
    """Lists the tools, runs one search and checks it ranks like /v1/search."""
    listed = await session.list_tools()
    assert {tool.name for tool in listed.tools} == TOOLS
    search_tool = next(tool for tool in listed.tools if tool.name == "search")
    assert field(search_tool, "inputSchema")["required"] == ["query"]
    assert "deterministic" in search_tool.description
    answer = structured(await session.call_tool("search", {"query": QUERY, "k": 5}))
    ids = [result["id"] for result in answer["results"]]
    assert ids == v1_doc_ids(driftless_url, q=QUERY, k=5)
    first = answer["results"][0]
    assert first["url"].startswith("https://www.postgresql.org/docs/15/") and first["title"]
    return ids


def test_streamable_http_search_and_fetch(driftless_url, query_log):
    session_id = f"pytest-mcp-{uuid.uuid4()}"
    headers = {"x-client-id": "pytest-mcp", "x-session-id": session_id}

    async def scenario():
        async with http_session(driftless_url, headers) as session:
            ids = await check_tools_and_search(session, driftless_url)
            window = structured(await session.call_tool("fetch", {"id": ids[0], "max_chars": 500}))
            rest = structured(
                await session.call_tool(
                    "fetch", {"id": ids[0], "offset": window["metadata"]["next_offset"], "max_chars": 1000000}
                )
            )
            whole = structured(await session.call_tool("get_document", {"docid": ids[0]}))
            return ids, window, rest, whole

    ids, window, rest, whole = anyio.run(scenario)
    v1 = requests.get(f"{driftless_url}/v1/fetch", params={"doc_id": ids[0], "max_chars": 1000000}, timeout=30)
    v1 = v1.json()
    assert window["id"] == ids[0] and window["url"] == v1["url"] and window["title"] == v1["title"]
    assert len(window["text"]) == 500 and window["metadata"]["total_chars"] == v1["total_chars"]
    assert window["text"] + rest["text"] == v1["text"] == whole["text"]
    assert "next_offset" not in rest["metadata"]

    records = query_log("mcp:search", QUERY)
    mine = [r for r in records if r["session_hint"] == session_id]
    assert len(mine) == 1 and mine[0]["client"] == "pytest-mcp"
    assert [r["doc_id"] for r in mine[0]["results"]] == ids
    fetched = [r for r in query_log("mcp:fetch", count=2) if r["session_hint"] == session_id]
    assert [r["fetched_doc_id"] for r in fetched] == [ids[0], ids[0]]
    assert any(r["session_hint"] == session_id for r in query_log("mcp:get_document"))


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("search", {"query": QUERY, "k": 0}, "invalid_parameter"),
        ("search", {"query": QUERY, "mode": "semantic"}, "unknown variant"),
        ("search", {"q": QUERY}, "unknown field"),
        ("fetch", {"id": "postgresql-15/no-such-page"}, "not_found"),
    ],
)
def test_bad_arguments_are_tool_errors(driftless_url, tool, arguments, expected):
    async def scenario():
        async with http_session(driftless_url) as session:
            return await session.call_tool(tool, arguments)

    result = anyio.run(scenario)
    assert field(result, "isError")
    assert expected in result.content[0].text


def test_stdio_mode(driftless_url, driftless_bin, snapshot_dir, tmp_path):
    """`driftless mcp` spawned by the SDK's stdio client, logging to its own SQLite file."""
    log_db = tmp_path / "stdio-log.sqlite"
    server = StdioServerParameters(
        command=str(driftless_bin),
        args=["mcp", "--snapshot", str(snapshot_dir), "--log-db", str(log_db)],
        env={"DRIFTLESS_LOG": "warn"},
    )

    async def scenario():
        with open(tmp_path / "stderr.log", "w") as errlog:
            async with stdio_client(server, errlog=errlog) as (read, write):
                async with ClientSession(read, write) as session:
                    info = await session.initialize()
                    assert field(info, "serverInfo").name == "driftless"
                    ids = await check_tools_and_search(session, driftless_url)
                    whole = structured(await session.call_tool("get_document", {"docid": ids[1]}))
                    assert whole["docid"] == ids[1] and whole["text"]

    anyio.run(scenario)
    # The process flushed its log when stdin closed: one record per call.
    records = read_log(log_db, "mcp:search", QUERY)
    assert len(records) == 1 and records[0]["client"] == "stdio"
    assert records[0]["session_hint"].startswith("stdio-")
    assert len(read_log(log_db, "mcp:get_document")) == 1
