#!/usr/bin/env bash
# The per-request cost of snapshot pinning (issue 19): the same BM25 request (k=10, doc) at
# c=8 against two release binaries, A (before pinning) and B (with it), unpinned and pinned
# (`snapshot=<id>`), rounds alternating A/B so machine noise hits both alike; wrk shares the
# 2 cores with the server, so req/s here are floors. Prints each run and the median of each.
#
#   benches/pin-overhead.sh BIN_A BIN_B SNAPSHOT_DIR [ROUNDS=3] [SECONDS=10]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
A=$1 B=$2 SNAP=$3 ROUNDS=${4:-3} SECS=${5:-10}
need_wrk
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshot_id"])' "$SNAP/manifest.json")
Q="/v1/search?q=create+index+concurrently&k=10"
run() { # binary label path
  rps_of 18181 "$SECS" "$2" "$3" "$1" serve --snapshot "$SNAP" --addr 127.0.0.1:18181 --no-log
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
echo "$out" | median_rps
