#!/usr/bin/env python3
"""The console in a real browser over a real snapshot: time to first result and page weight.

Starts `driftless serve` on SNAPSHOT with a fresh query log, logs one agent-like session
(searches and a fetch with x-session-id), then drives Debian's headless Chromium through
chromedriver (W3C WebDriver over plain HTTP, no Python packages needed) and, for each query:

- opens /ui/search?q=… and reads the browser's Navigation Timing: time to the first byte
  and to the end of the response (the page is server-rendered, so the results are in it),
  and the page weight (document + stylesheet, decoded bytes);
- asks the same search of /v1/search (JSON) and of /ui/search without a browser (urllib),
  so the browser's share and the page's server time stand beside the API's.

Medians and p90 in one run on this machine (like for like: the same query, k and mode on
both sides; the payloads differ: an HTML page against a JSON body, both sizes shown).
With --screenshots DIR it also saves the console's pages as PNG (docs/console/).

Usage: benches/console-page.py --binary target/release/driftless --snapshot DIR
           [--queries 40] [--screenshots docs/console] [--compare-b "b_mode=dense"]
"""
import argparse, base64, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time
import urllib.parse, urllib.request

QUERIES = [
    "create index concurrently", "vacuum full", "autovacuum settings", "foreign key on delete cascade",
    "window functions", "json operators", "partial index", "explain analyze", "transaction isolation",
    "row level security", "django queryset filter", "model field choices", "migrations squash",
    "template inheritance", "csrf middleware", "select for update", "sequence nextval",
    "generate_series", "pg_dump custom format", "logical replication", "django signals",
    "prefetch_related", "aggregate annotate", "static files collectstatic", "custom user model",
    "full text search tsvector", "check constraint", "materialized view refresh", "copy from csv",
    "lateral join", "common table expression recursive", "time zone conversion", "array_agg order",
    "listen notify", "advisory locks", "django admin list_display", "forms validation clean",
    "url dispatcher path converters", "cache framework", "database routers",
]
SESSION = [  # an agent reformulating, then reading a page
    ("search", "create index"),
    ("search", "create index concurrently"),
    ("search", "create index concurrently lock table"),
    ("fetch", None),
    ("search", "reindex concurrently"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read()


class Browser:
    """chromedriver + one headless Chromium session."""

    def __init__(self, width=1280, height=800):
        port = free_port()
        self.driver = subprocess.Popen(["chromedriver", f"--port={port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if json.loads(http("GET", f"{self.base}/status"))["value"]["ready"]:
                    break
            except OSError:
                time.sleep(0.1)
        self.profile = tempfile.mkdtemp(prefix="console-bench-")
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--hide-scrollbars",
                f"--window-size={width},{height}", f"--user-data-dir={self.profile}"]
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": shutil.which("chromium") or "/usr/bin/chromium", "args": args}}}}
        self.session = json.loads(http("POST", f"{self.base}/session", caps))["value"]["sessionId"]

    def cmd(self, method, path, body=None):
        value = json.loads(http(method, f"{self.base}/session/{self.session}{path}", body))["value"]
        if isinstance(value, dict) and "error" in value:
            raise RuntimeError(f"WebDriver {path}: {value}")
        return value

    def goto(self, url):
        self.cmd("POST", "/url", {"url": url})

    def script(self, source):
        return self.cmd("POST", "/execute/sync", {"script": source, "args": []})

    def resize(self, width, height):
        self.cmd("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.cmd("GET", "/screenshot")))

    def quit(self):
        try:
            self.cmd("DELETE", "")
        finally:
            self.driver.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


TIMING = """const n = performance.getEntriesByType('navigation')[0];
const r = performance.getEntriesByType('resource');
return {ttfb: n.responseStart - n.startTime, done: n.responseEnd - n.startTime,
        dcl: n.domContentLoadedEventEnd - n.startTime,
        bytes: n.decodedBodySize + r.reduce((s, e) => s + e.decodedBodySize, 0),
        hits: document.querySelectorAll('ol.hits li.hit').length};"""


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--snapshot", required=True)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--screenshots")
    ap.add_argument("--compare-b", default="b_mode=bm25&b_k1=2.0&b_b=1.0",
                    help="the compare page's B side (A is mode=bm25)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="console-bench-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([args.binary, "serve", "--snapshot", args.snapshot,
                               "--addr", f"127.0.0.1:{port}", "--log-db", f"{work}/log.sqlite",
                               "--log-spill", f"{work}/spill.jsonl"],
                              stdout=subprocess.DEVNULL, stderr=open(f"{work}/serve.log", "w"))
    try:
        for _ in range(600):
            try:
                http("GET", f"{base}/ready")
                break
            except OSError:
                time.sleep(0.1)
        headers = {"x-client-id": "agent-bench", "x-session-id": "episode-42"}
        last = None
        for step, (kind, q) in enumerate(SESSION, 1):
            h = dict(headers, **{"x-step": str(step)})
            if kind == "search":
                last = json.loads(http("GET", f"{base}/v1/search?k=5&q={urllib.parse.quote(q)}", headers=h))
            else:
                doc = urllib.parse.quote(last["results"][0]["doc_id"])
                http("GET", f"{base}/v1/fetch?doc_id={doc}&max_chars=3000", headers=h)
            time.sleep(0.3)
        time.sleep(1.0)  # the capture flushes every 200 ms

        browser = Browser()
        rows = []
        for q in QUERIES[: args.queries]:
            enc = urllib.parse.quote(q)
            # Once untimed: the first search of a query warms the index pages it reads, and
            # whichever side went first would pay for both.
            http("GET", f"{base}/v1/search?q={enc}&k=10")
            t0 = time.perf_counter()
            api = http("GET", f"{base}/v1/search?q={enc}&k=10")
            api_ms = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            page = http("GET", f"{base}/ui/search?q={enc}&k=10")
            page_ms = (time.perf_counter() - t0) * 1000
            browser.goto(f"{base}/ui/search?q={enc}&k=10")
            t = browser.script(TIMING)
            rows.append(dict(t, api_ms=api_ms, page_ms=page_ms, api_bytes=len(api), page_bytes=len(page)))
        print(f"{len(rows)} queries, k=10, mode bm25 (snapshot default), loopback, 2 cores\n")
        print("| measure | median | p90 |\n| --- | --- | --- |")
        for key, label in [("api_ms", "GET /v1/search (JSON, urllib), ms"),
                           ("page_ms", "GET /ui/search (HTML, urllib, no browser), ms"),
                           ("ttfb", "browser: first byte of /ui/search, ms"),
                           ("done", "browser: **first result** (response end; results are in the HTML), ms"),
                           ("dcl", "browser: DOMContentLoaded, ms"),
                           ("bytes", "page weight (HTML + CSS, decoded), bytes"),
                           ("page_bytes", "HTML alone, bytes"),
                           ("api_bytes", "JSON body, bytes")]:
            vals = [r[key] for r in rows]
            print(f"| {label} | {statistics.median(vals):.1f} | {pct(vals, 0.9):.1f} |")
        ratio = statistics.median(r["page_ms"] for r in rows) / statistics.median(r["api_ms"] for r in rows)
        print(f"\nHTML page / JSON API server round trip (medians, same query and k; payloads differ): {ratio:.2f}x")
        assert all(r["hits"] > 0 for r in rows[:5]), "the first queries find results"

        if args.screenshots:
            out = args.screenshots
            os.makedirs(out, exist_ok=True)
            shots = [
                ("search", "/ui/search?q=create+index+concurrently&k=5"),
                ("compare", f"/ui/compare?q=create+index+concurrently&k=8&a_mode=bm25&{args.compare_b}"),
                ("sessions", "/ui/sessions"),
                ("dashboards", "/ui/dashboards"),
                ("snapshot", "/ui/snapshot"),
            ]
            for name, path in shots:
                browser.goto(base + path)
                browser.screenshot(f"{out}/{name}.png")
            browser.goto(f"{base}/ui/sessions?client=agent-bench")
            link = browser.script("return document.querySelector('a.session-link').href;")
            browser.goto(link)
            browser.screenshot(f"{out}/session.png")
            doc = browser.script("return document.querySelector('ol.step-results a, .step a').href;")
            browser.goto(base + "/ui/search?q=create+index+concurrently&k=5")
            first = browser.script("return document.querySelector('ol.hits a.title').href;")
            browser.goto(first)
            browser.screenshot(f"{out}/document.png")
            browser.resize(390, 844)
            browser.goto(base + "/ui/search?q=vacuum+full&k=5")
            browser.screenshot(f"{out}/search-phone.png")
            print(f"\nscreenshots in {out} (session timeline linked {doc!r})")
        browser.quit()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
