#!/usr/bin/env bash
# How `driftless logs analyse` scales with the log (issue 17, item 5): a synthetic log of N
# requests with agent-like session shapes (documented below, not real traffic) is imported
# into a fresh SQLite store, then analysed; prints import and analyse wall time and peak RSS.
#
#   benches/logscale.sh [N ...]        (default: 100000 1000000)
#
# Session shapes: 1-15 search steps (geometric-ish, most under 10), a fetch after 30% of
# searches, 2-40 s between steps, queries drawn from a 5,000-word vocabulary with
# specialisations, repetitions and new topics; 10 results per search with titles and
# snippets; one client per 20 sessions, x-session-id on half of them. Needs a release
# binary (DRIFTLESS_BIN) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${DRIFTLESS_BIN:-${CARGO_TARGET_DIR:-target}/release/driftless}
OUT=${DRIFTLESS_BENCH_DIR:-.cache/bench-logscale}
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "error: no release binary at $BIN: cargo build --release -p driftless" >&2; exit 1; }
[ $# -gt 0 ] || set -- 100000 1000000

generate() {
  python3 - "$1" "$2" <<'PY'
import json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
vocab = [f"w{i}" for i in range(5000)]
out, written, session, t = open(path, "w"), 0, 0, 1_700_000_000_000
while written < n:
    session += 1
    client = f"c{session // 20}"
    hint = f"s{session}" if session % 2 else None
    steps = min(15, 1 + int(rng.expovariate(1 / 3.5)))
    query = rng.sample(vocab, rng.randint(2, 5))
    t += rng.randint(1_000, 600_000)
    for step in range(steps):
        r = rng.random()
        if step and r < 0.3: query = query + rng.sample(vocab, 1)            # specialise
        elif step and r < 0.4: pass                                          # repeat
        elif step and r < 0.7: query = query[:-1] + rng.sample(vocab, 1)     # rewrite
        elif step: query = rng.sample(vocab, rng.randint(2, 5))              # new topic
        docs = [f"d{rng.randint(0, 200000)}" for _ in range(10)]
        results = [{"doc_id": d, "score": round(10 - i * 0.5, 4), "title": " ".join(rng.sample(vocab, 4)),
                    "snippet": " ".join(rng.sample(vocab, 20))} for i, d in enumerate(docs)]
        base = {"ts_ms": t, "client": client, "session_hint": hint, "request_id": f"r{written}", "log_id": f"l{written}",
                "snapshot_id": "synthetic", "status": 200, "latency_us": rng.randint(300, 20000)}
        out.write(json.dumps({**base, "endpoint": "/v1/search", "query": " ".join(query),
                              "params": {"k": 10, "mode": "bm25"}, "results": results}) + "\n")
        written += 1
        if rng.random() < 0.3 and written < n:
            t += rng.randint(500, 5_000)
            out.write(json.dumps({**base, "request_id": f"r{written}", "log_id": f"l{written}", "endpoint": "/v1/fetch",
                                  "params": {"doc_id": docs[0], "offset": 0}, "fetched_doc_id": docs[0], "results": []}) + "\n")
            written += 1
        t += rng.randint(2_000, 40_000)
        if written >= n: break
PY
}

measure() {  # measure LABEL CMD...: wall seconds and peak RSS (GNU time)
  local label=$1; shift
  /usr/bin/time -f "$label %e s, peak RSS %M KB" "$@" > /dev/null 2>> "$OUT/times.txt"
  tail -n 1 "$OUT/times.txt"
}

: > "$OUT/times.txt"
for n in "$@"; do
  jsonl="$OUT/log-$n.jsonl" db="$OUT/log-$n.sqlite"
  [ -f "$jsonl" ] || generate "$n" "$jsonl"
  rm -f "$db"
  measure "import $n:" "$BIN" logs import --db "$db" --in "$jsonl"
  echo "store $n: $(stat -c %s "$db") bytes, $(( $(stat -c %s "$db") / n )) bytes/record"
  measure "analyse $n:" "$BIN" logs analyse --db "$db" --format json
done
