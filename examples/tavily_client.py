"""tavily-python's TavilyClient with driftless as the API base URL.

    pip install tavily-python
    python examples/tavily_client.py "create index concurrently"

The API key is required by the client and ignored by driftless. `include_domains` and
`exclude_domains` become `site:` filters; `raw_content` holds the page text on request.
Everything in the answer but `response_time` is identical across runs.
"""

import os
import sys

from tavily import TavilyClient

BASE_URL = os.environ.get("DRIFTLESS_URL", "http://127.0.0.1:8080")

if __name__ == "__main__":
    query = " ".join(sys.argv[1:]) or "create index concurrently"
    client = TavilyClient(api_key="unused", api_base_url=BASE_URL)
    response = client.search(query, max_results=3, include_domains=["www.postgresql.org"])
    for result in response["results"]:
        print(f"{result['score']:.4f}  {result['title']}\n        {result['url']}")
