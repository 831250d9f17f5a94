#!/usr/bin/env python3
"""`driftless logs annotate` throughput against a fake LLM endpoint of known latency.

Shows whether annotation is limited by the endpoint (as it should be) or by driftless.
Generates a synthetic log (`logs generate`) and imports it into a temporary SQLite store,
then starts, in this process, a threaded OpenAI-compatible server (`POST
/v1/chat/completions`) that sleeps a fixed latency per request and answers a valid label
(picked from the LABELS line of the user message, so every answer parses and is cached).
For each latency it runs `logs annotate` on a fresh copy of the store (nothing cached) and
reports wall time, tasks, requests/s and the ratio to the endpoint's ideal rate
concurrency / latency, plus how many requests the server really had in flight (max and
time-weighted mean). At latency 0 the ideal is the fake server's own capacity, measured
by a stdlib client in a separate process replaying the very bodies driftless sent, at the
same concurrency (like for like; the Python client makes it a lower bound). After every
run, annotate runs again on the same store: it must make 0 requests (all cache hits).
Stores live in the temp dir (disk); some latencies (--tmpfs-latencies) are also run with
the store on tmpfs (/dev/shm), where a commit costs no fsync: if annotate's label writes
held its requests back, the disk's commit latency would show up as the difference (it did
when each label was its own transaction; labels are now written in batches on a task of
their own).
Each setting is repeated (default 3) and medians are printed as a markdown table; the
per-run lines go to stderr. "extra ms/request" is 1000 * (1/achieved - 1/ideal).
Takes ~2.5 min with the defaults on 2 cores.

Usage: python3 benches/annotate.py --bin target/release/driftless [--requests 2000]
           [--latencies 0,20,100] [--concurrency 8] [--repeats 3]
           [--tmpfs /dev/shm] [--tmpfs-latencies 0,20]
"""
import argparse, hashlib, http.client, json, os, shutil, statistics, subprocess, sys
import tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "bench-model"


class Stats:
    """Requests seen, and how many were in flight (max and time integral)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency = 0.0
        self.reset()

    def reset(self):
        with self.lock:
            self.requests, self.inflight, self.max_inflight = 0, 0, 0
            self.area, self.start = 0.0, time.perf_counter()
            self.last, self.bodies = self.start, []

    def _tick(self, delta):  # caller holds the lock
        now = time.perf_counter()
        self.area += self.inflight * (now - self.last)
        self.last, self.inflight = now, self.inflight + delta
        self.max_inflight = max(self.max_inflight, self.inflight)

    def enter(self, body):
        with self.lock:
            self._tick(1)
            self.requests += 1
            self.bodies.append(body)

    def leave(self):
        with self.lock:
            self._tick(-1)

    def mean_inflight(self):
        with self.lock:
            self._tick(0)
            return self.area / max(self.last - self.start, 1e-9)


def label_for(user):
    """A label from the task's LABELS line, chosen by a hash of the input (deterministic)."""
    labels = next((l.split()[1:] for l in user.splitlines() if l.startswith("LABELS ")), ["other"])
    return labels[int(hashlib.sha1(user.encode()).hexdigest(), 16) % len(labels)]


def make_handler(stats):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real endpoint
        # Headers and body go out in two writes: without TCP_NODELAY the body waits for the
        # client's delayed ACK (~40 ms), and the fake would be slower than any real server.
        disable_nagle_algorithm = True

        def log_message(self, *_):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != "/v1/chat/completions":
                return self.reply(404, {"error": f"no route {self.path}"})
            stats.enter(body)
            try:
                user = json.loads(body)["messages"][1]["content"]
                if stats.latency:
                    time.sleep(stats.latency)
                answer = {"choices": [{"index": 0, "message": {"role": "assistant",
                                                               "content": label_for(user)}}]}
            finally:
                stats.leave()
            self.reply(200, answer)

        def reply(self, status, value):
            data = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def drive(url, bodies_file, concurrency):
    """Client mode (own process): replay the bodies at `concurrency`; print count and seconds."""
    with open(bodies_file) as f:
        bodies = [b.encode() for b in json.load(f)]
    host, port = url.split("//")[1].split("/")[0].split(":")
    it, lock, errors = iter(bodies), threading.Lock(), []

    def worker():
        conn = http.client.HTTPConnection(host, int(port))
        while True:
            with lock:
                body = next(it, None)
            if body is None:
                return conn.close()
            conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
            r = json.loads(conn.getresponse().read())
            if not r["choices"][0]["message"]["content"]:
                errors.append(r)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"requests": len(bodies), "seconds": time.perf_counter() - t0, "errors": len(errors)}))


def annotate(args, db, endpoint):
    cmd = [args.bin, "logs", "annotate", "--db", db, "--endpoint", endpoint, "--model", MODEL,
           "--api-key-env", "DRIFTLESS_BENCH_NO_KEY", "--concurrency", str(args.concurrency)]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit(f"annotate failed ({out.returncode}): {out.stderr[-2000:]}")
    return wall, json.loads(out.stdout)


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default="target/release/driftless", help="driftless binary")
    p.add_argument("--requests", type=int, default=2000, help="synthetic log size")
    p.add_argument("--latencies", default="0,20,100", help="endpoint latencies, ms")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--tmpfs", default="/dev/shm" if os.path.isdir("/dev/shm") else "",
                   help="directory for the store of the extra tmpfs runs; '' to skip them")
    p.add_argument("--tmpfs-latencies", default="0,20",
                   help="latencies (ms) also run with the store on --tmpfs (no fsync cost)")
    p.add_argument("--drive", nargs=3, metavar=("URL", "BODIES", "C"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.drive:
        return drive(args.drive[0], args.drive[1], int(args.drive[2]))
    args.bin = os.path.abspath(args.bin)
    tmp = tempfile.mkdtemp(prefix="annotate-bench-")
    settings = [(float(x), tmp, "disk") for x in args.latencies.split(",")]
    if args.tmpfs:
        shm = tempfile.mkdtemp(prefix="annotate-bench-", dir=args.tmpfs)
        settings += [(float(x), shm, "tmpfs") for x in args.tmpfs_latencies.split(",") if x]
        settings.sort(key=lambda s: (s[0], s[2]))
    stats = Stats()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(stats))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        base = os.path.join(tmp, "base.sqlite")
        log = os.path.join(tmp, "log.jsonl")
        for cmd in (["logs", "generate", "--requests", str(args.requests), "--out", log],
                    ["logs", "import", "--db", base, "--in", log]):
            subprocess.run([args.bin, *cmd], check=True, capture_output=True)
        rows, capacity, n = {}, None, 0
        for lat, where, kind in settings:
            rs = rows[(lat, kind)] = []
            for rep in range(args.repeats):
                n += 1
                db = os.path.join(where, f"run{n}.sqlite")
                shutil.copy(base, db)
                stats.latency = lat / 1000
                stats.reset()
                wall, rep1 = annotate(args, db, endpoint)
                seen, mx, mean = stats.requests, stats.max_inflight, stats.mean_inflight()
                bodies = list(stats.bodies)
                stats.reset()
                wall2, rep2 = annotate(args, db, endpoint)
                assert rep1["requests"] == seen and rep1["unparsed"] == 0, (rep1, seen)
                rs.append(dict(wall=wall, tasks=rep1["tasks"], requests=seen, rate=seen / wall,
                               max=mx, mean=mean, re_req=stats.requests,
                               re_hits=rep2["cache_hits"], re_wall=wall2))
                print(f"latency {lat:g} ms, store on {kind}, run {rep + 1}: {seen} requests in "
                      f"{wall:.2f} s ({seen / wall:.0f}/s, in flight max {mx}, mean {mean:.2f}); "
                      f"rerun {stats.requests} requests, {rep2['cache_hits']} hits, {wall2:.2f} s",
                      file=sys.stderr)
                if lat == 0 and capacity is None:  # the fake server alone, same bodies
                    bf = os.path.join(tmp, "bodies.json")
                    with open(bf, "w") as f:
                        json.dump([b.decode() for b in bodies], f)
                    caps = []
                    for _ in range(args.repeats):
                        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--drive",
                                              endpoint, bf, str(args.concurrency)],
                                             check=True, capture_output=True, text=True)
                        r = json.loads(out.stdout)
                        assert r["errors"] == 0, r
                        caps.append(r["requests"] / r["seconds"])
                    capacity, cap_n = statistics.median(caps), len(bodies)
                    print(f"fake server alone (stdlib client, c={args.concurrency}): "
                          f"{', '.join(f'{c:.0f}' for c in caps)} req/s", file=sys.stderr)
        print(f"\n`logs annotate`, {args.requests} logged requests, concurrency "
              f"{args.concurrency}, medians of {args.repeats} runs (store: SQLite)\n")
        print("| endpoint latency | store | requests | wall | req/s | ideal req/s | achieved/ideal "
              "| extra ms/request | in flight max / mean | rerun: requests, hits, wall |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        if capacity is not None:
            print(f"| 0 ms, fake server alone | (stdlib client) | {cap_n} | "
                  f"{cap_n / capacity:.2f} s | {capacity:,.0f} | — | — | — | — | — |")
        for (lat, kind), rs in rows.items():
            ideal = capacity if lat == 0 else args.concurrency / (lat / 1000)
            label = "server capacity" if lat == 0 else "c / latency"
            rate = med(rs, "rate")
            print(f"| {lat:g} ms | {kind} | {med(rs, 'requests'):.0f} of {med(rs, 'tasks'):.0f} "
                  f"tasks | {med(rs, 'wall'):.2f} s | {rate:,.0f} | {ideal:,.0f} ({label}) | "
                  f"{rate / ideal:.2f} | {1000 * (1 / rate - 1 / ideal):.1f} | "
                  f"{med(rs, 'max'):.0f} / {med(rs, 'mean'):.2f} | "
                  f"{max(r['re_req'] for r in rs)}, {med(rs, 're_hits'):.0f}, "
                  f"{med(rs, 're_wall'):.2f} s |")
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
        if args.tmpfs:
            shutil.rmtree(shm, ignore_errors=True)


if __name__ == "__main__":
    main()
