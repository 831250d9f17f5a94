"""Search-R1 style retrieval against driftless: the request and prompt formatting of
Search-R1's trainer (search_r1/llm_agent/generation.py), pointed at driftless's /retrieve.

    python examples/search_r1_retriever.py "create index concurrently" "vacuum full"

For training, point Search-R1 at the same URL (see search_r1_retriever.yaml): driftless
answers the same bytes for the same query on every run, so rollouts are reproducible.
"""

import os
import sys

import requests

SEARCH_URL = os.environ.get("DRIFTLESS_URL", "http://127.0.0.1:8080").rstrip("/") + "/retrieve"
TOPK = 3


def batch_search(queries: list[str]) -> list[list[dict]]:
    payload = {"queries": queries, "topk": TOPK, "return_scores": True}
    response = requests.post(SEARCH_URL, json=payload, timeout=60)
    response.raise_for_status()
    return response.json()["result"]


def passages2string(retrieval_result: list[dict]) -> str:
    # What the policy model reads between <information> tags.
    format_reference = ""
    for idx, doc_item in enumerate(retrieval_result):
        content = doc_item["document"]["contents"]
        title = content.split("\n")[0]
        text = "\n".join(content.split("\n")[1:])
        format_reference += f"Doc {idx+1}(Title: {title}) {text}\n"
    return format_reference


if __name__ == "__main__":
    queries = sys.argv[1:] or ["create index concurrently"]
    for query, result in zip(queries, batch_search(queries)):
        print(f"<search>{query}</search>\n<information>{passages2string(result)}</information>")
