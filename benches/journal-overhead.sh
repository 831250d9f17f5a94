#!/usr/bin/env bash
# The per-request cost of the query-log crash journal (issue 19): one release binary, the
# same BM25 request (k=10) at c=8 with the journal (default) and with --no-log-journal, both
# logging to a fresh SQLite store, rounds alternating the order so machine noise hits both
# alike; wrk shares the 2 cores with the server, so req/s here are floors. Prints each run
# and the median of each side.
#
#   benches/journal-overhead.sh BIN SNAPSHOT_DIR [ROUNDS=3] [SECONDS=10]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BIN=$1 SNAP=$2 ROUNDS=${3:-3} SECS=${4:-10}
need_wrk
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
Q="/v1/search?q=create+index+concurrently&k=10"
run() { # label [serve args]
  local label=$1
  shift
  rm -rf "$WORK/data" && mkdir -p "$WORK/data"
  rps_of 18182 "$SECS" "$label" "$Q" "$BIN" serve --snapshot "$SNAP" --addr 127.0.0.1:18182 \
    --log-db "$WORK/data/log.sqlite" --log-spill "$WORK/data/spill.jsonl" "$@"
}
out=$(for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then
    run journal; run no-journal --no-log-journal
  else
    run no-journal --no-log-journal; run journal
  fi
done)
echo "$out"
echo "$out" | median_rps
