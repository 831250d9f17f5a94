#!/usr/bin/env bash
# Overload run (issue 7's must-show): `driftless serve` with a SQLite query log, offered twice
# its measured capacity, open loop, for 60 s; during the run the log store goes away for 15 s
# (file and directory read-only, journal blocked, as in the CLI outage test); after the run
# the server gets SIGTERM. Reported by crates/server/examples/overload.rs: admitted p50/p99,
# 503/429 counts, Retry-After on every refusal, other 5xx, peak RSS; then this script checks
# that every admitted (200) search has its row in the query log.
#
# Usage: benches/overload.sh          (about 80 s)
#   DRIFTLESS_BENCH_SNAPSHOT  snapshot dir (default .cache/snapshots/default-bm25: `driftless
#                             quickstart --no-dense --no-serve` builds it)
#   SECONDS_LOADED / FACTOR   length of the overload phase and load factor (60 / 2)
#   SERVE_ARGS                extra `driftless serve` arguments (e.g. "--max-queue-wait-ms 20")
#   CAPACITY                  skip the capacity phase and use this many req/s (to compare
#                             server settings at the same offered load)
# Needs release builds: cargo build --release -p driftless -p driftless-server --example overload
#
# The load generator shares the 2 cores with the server, so capacity here is a floor.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOADGEN="${DRIFTLESS_OVERLOAD_BIN:-$TARGET/release/examples/overload}"
SECONDS_LOADED="${SECONDS_LOADED:-60}"
FACTOR="${FACTOR:-2}"

need_built "cargo build --release -p driftless -p driftless-server --example overload" "$BIN" "$LOADGEN"
quickstart_bm25_snapshot

WORK=$(mktemp -d)
DB_DIR="$WORK/log"
DB="$DB_DIR/querylog.sqlite"
mkdir -p "$DB_DIR"
restore_store() {
  chmod 755 "$DB_DIR" 2>/dev/null || true
  chmod 644 "$DB" 2>/dev/null || true
  rmdir "$DB-journal" 2>/dev/null || true
}
cleanup() {
  restore_store
  bench_cleanup
}
trap cleanup EXIT

# The log goes in a directory of its own, so that the directory can be made read-only.
# shellcheck disable=SC2086
serve_snapshot "$BIN" "$SNAP" "$WORK" "$DB" ${SERVE_ARGS:-}
echo "overload: server $SERVER_PID on $ADDR, snapshot $SNAP"

"$LOADGEN" "http://$ADDR" --pid "$SERVER_PID" --seconds "$SECONDS_LOADED" --factor "$FACTOR" \
  ${CAPACITY:+--capacity "$CAPACITY"} \
  > "$WORK/loadgen.out" 2>&1 &
LOAD_PID=$!

# Capacity is measured for 10 s first; the store goes away 15 s into the overload phase.
if [[ -n "${CAPACITY:-}" ]]; then sleep 15; else sleep 25; fi
# SQLite's rollback journal exists only during a transaction: block its path once it is gone.
until mkdir "$DB-journal" 2>/dev/null; do sleep 0.001; done
chmod 444 "$DB"
chmod 555 "$DB_DIR"
echo "overload: query-log store unwritable at $(date +%T)"
sleep 15
restore_store
echo "overload: query-log store back at $(date +%T)"

load_status=0
wait "$LOAD_PID" || load_status=$?
cat "$WORK/loadgen.out"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || { echo "overload: server exited non-zero after SIGTERM" >&2; load_status=1; }
SERVER_PID=""

admitted=$(sed -n 's/.*: 200 \([0-9]*\) .*/\1/p' "$WORK/loadgen.out")
logged=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from query_log where status = 200").fetchone()[0])' "$DB")
# Phase 1 (capacity) answers are logged too: compare this run's 200s with the whole log.
capacity_answered=$(sed -n 's/^capacity-answered \([0-9]*\)$/\1/p' "$WORK/loadgen.out")
expected=$(( admitted + ${capacity_answered:-0} ))
echo "overload: query log has $logged status-200 rows; the load generator got $expected 200s (capacity phase ${capacity_answered:-0} + overload $admitted)"
if [[ "$logged" -ne "$expected" ]]; then
  echo "overload: FAIL: $(( expected - logged )) answered searches missing from the query log" >&2
  exit 1
fi
exit "$load_status"
