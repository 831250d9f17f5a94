"""Shared fixtures of the client tests: the server that clients/run.sh started and its log.

clients/run.sh builds a small snapshot (PostgreSQL 15 docs), starts `driftless serve` with a
SQLite query log and exports DRIFTLESS_URL and DRIFTLESS_LOG_DB before running pytest, so
each test drives a real server over HTTP with a real, unmodified client library.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

# A query with several good PostgreSQL pages, used by most tests.
QUERY = "create index concurrently"

# The runnable recipes that test_examples.py and the framework tests run as written.
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def exported(name: str) -> str:
    """The value clients/run.sh exported as `name`; fails the test when it is not set."""
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through clients/run.sh")
    return value


@pytest.fixture(scope="session")
def driftless_url() -> str:
    """Base URL of the running server, e.g. http://127.0.0.1:40123 (no trailing slash)."""
    return exported("DRIFTLESS_URL").rstrip("/")


@pytest.fixture(scope="session")
def log_db() -> Path:
    """Path of the server's SQLite query log."""
    return Path(exported("DRIFTLESS_LOG_DB"))


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    """The snapshot directory the server serves, for tests that open it in their own
    process (`driftless mcp --snapshot`, MCP over stdio)."""
    return Path(exported("DRIFTLESS_SNAPSHOT"))


@pytest.fixture(scope="session")
def driftless_bin() -> Path:
    """The `driftless` binary the server runs (clients/run.sh exports DRIFTLESS_BIN)."""
    return Path(exported("DRIFTLESS_BIN"))


def run_example(name: str, driftless_url: str, *args: str) -> str:
    """Runs examples/`name` with `args` against the server, as a user would (this test's
    Python, DRIFTLESS_URL set); asserts it exits 0 and returns its stdout."""
    env = {**os.environ, "DRIFTLESS_URL": driftless_url}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def read_log(log_db: Path, endpoint: str, query: str | None = None) -> list[dict]:
    """Records of `endpoint` (and `query`, when given), oldest first, results parsed."""
    if not log_db.exists():
        return []
    with sqlite3.connect(f"file:{log_db}?mode=ro", uri=True, timeout=5) as db:
        db.row_factory = sqlite3.Row
        sql = "SELECT * FROM query_log WHERE endpoint = ?"
        args: list = [endpoint]
        if query is not None:
            sql += " AND query = ?"
            args.append(query)
        try:
            rows = db.execute(sql + " ORDER BY ts_ms, request_id", args).fetchall()
        except sqlite3.OperationalError:  # the table is created by the server's first write
            return []
    records = []
    for row in rows:
        record = dict(row)
        record["results"] = json.loads(record["results"])
        record["params"] = json.loads(record["params"])
        records.append(record)
    return records


@pytest.fixture
def query_log(log_db):
    """`query_log(endpoint, query=None, count=1)`: waits (the capture writes in batches,
    every 200 ms) until at least `count` matching records are stored, and returns them."""

    def wait(endpoint: str, query: str | None = None, count: int = 1, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        while True:
            records = read_log(log_db, endpoint, query)
            if len(records) >= count or time.monotonic() > deadline:
                assert len(records) >= count, (
                    f"expected {count} log record(s) for {endpoint} {query!r}, found {len(records)}"
                )
                return records
            time.sleep(0.1)

    return wait


def logged_doc_ids(record: dict) -> list[str]:
    """The ranked doc ids of one log record."""
    return [result["doc_id"] for result in record["results"]]
