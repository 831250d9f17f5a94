"""LangChain's SearxSearchWrapper (langchain-community) with driftless as the SearXNG host.

    pip install langchain-community
    python examples/langchain_searxng.py "create index concurrently"

driftless answers SearXNG's `format=json` API at `/search` (and redirects `/?q=` there, as
SearXNG does), so `searx_host` is just the server's base URL. Each call is logged under the
endpoint `/search#searxng`.
"""

import os
import sys

from langchain_community.utilities import SearxSearchWrapper

HOST = os.environ.get("DRIFTLESS_URL", "http://127.0.0.1:8080")

if __name__ == "__main__":
    query = " ".join(sys.argv[1:]) or "create index concurrently"
    search = SearxSearchWrapper(searx_host=HOST, k=3)
    for result in search.results(query, num_results=3):
        print(f"{result['title']}\n  {result['link']}\n  {result['snippet']}\n")
    # `run` gives the snippets as one string, ready for a prompt (LangChain's searx tool).
    print(search.run(query))
