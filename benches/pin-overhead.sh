#!/usr/bin/env bash
# The per-request cost of snapshot pinning (issue 19): the same BM25 request (k=10, doc) at
# c=8 against two release binaries, A (before pinning) and B (with it), unpinned and pinned
# (`snapshot=<id>`), rounds alternating A/B so machine noise hits both alike; wrk shares the
# 2 cores with the server, so req/s here are floors. Prints each run and the median of each.
#
#   benches/pin-overhead.sh BIN_A BIN_B SNAPSHOT_DIR [ROUNDS=3] [SECONDS=10]
set -euo pipefail
A=$1 B=$2 SNAP=$3 ROUNDS=${4:-3} SECS=${5:-10}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshot_id"])' "$SNAP/manifest.json")
Q="/v1/search?q=create+index+concurrently&k=10"
run() { # binary label path
  "$1" serve --snapshot "$SNAP" --addr 127.0.0.1:18181 --no-log 2>/dev/null &
  local pid=$!
  for _ in $(seq 100); do curl -sf 127.0.0.1:18181/ready >/dev/null && break; sleep 0.1; done
  wrk -t2 -c8 -d"${SECS}s" "http://127.0.0.1:18181$3" | awk -v l="$2" '/Requests\/sec/ {print l, $2}'
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
# Odd rounds run A first, even rounds B first: a position effect (a server started right
# after another) then hits both sides alike.
out=$(for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then
    run "$A" A-unpinned "$Q"; run "$B" B-unpinned "$Q"; run "$B" B-pinned "$Q&snapshot=$ID"
  else
    run "$B" B-pinned "$Q&snapshot=$ID"; run "$B" B-unpinned "$Q"; run "$A" A-unpinned "$Q"
  fi
done)
echo "$out"
echo "$out" | sort -k1,1 -k2,2n | awk '{v[$1]=v[$1]" "$2; n[$1]++} END {for (k in v) {split(substr(v[k],2),a," "); print k, "median req/s", a[int((n[k]+1)/2)]}}'
