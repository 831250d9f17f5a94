#!/usr/bin/env python3
"""First and second pass over the scale queries against a freshly started server.

benches/scale.sh measures with wrk after a warm-up, so every query's posting lists are in
the page cache and mapped. This script shows the other side: each query sent once in order
on one keep-alive connection right after the server is ready (pass 1: first touches of the
index pages), then the same queries again (pass 2: warm), for one unit.

  passes.py BASE QUERIES UNIT      prints one JSON line: p50/p99/max ms of both passes
"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def one_pass(conn, paths):
    times = []
    for path in paths:
        t0 = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - t0) * 1000.0)
        if response.status != 200:
            sys.exit(f"passes.py: {path} answered {response.status}")
    return times


def summary(times):
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3),
        "max_ms": round(ordered[-1], 3),
    }


def main():
    base, queries, unit = sys.argv[1], sys.argv[2], sys.argv[3]
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    paths = [
        f"/v1/search?mode=bm25&k=10&unit={unit}&q={urllib.parse.quote(line.strip())}"
        for line in open(queries)
        if line.strip()
    ]
    first = summary(one_pass(conn, paths))
    second = summary(one_pass(conn, paths))
    print(json.dumps({"unit": unit, "queries": len(paths), "first": first, "second": second}))


if __name__ == "__main__":
    main()
