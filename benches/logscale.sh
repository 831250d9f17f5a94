#!/usr/bin/env bash
# How the query-log pipeline scales (issue 17, item 5): `driftless logs generate` writes a
# synthetic log of N requests with agent-like session shapes (documented in
# crates/cli/src/logs_cmd/generate.rs; not real traffic), piped straight into `logs import`
# (the JSONL is never stored: at 14M requests it would be ~45 GB), then `logs analyse` over
# the store. Prints wall time and peak RSS of import and analyse, and the store's size.
#
#   benches/logscale.sh [N ...]                   SQLite stores (default N: 100000 1000000)
#   DRIFTLESS_BENCH_PG=postgres://127.0.0.1:5432 benches/logscale.sh N
#                                                 the same into a fresh Postgres database
#
# Needs a release binary (DRIFTLESS_BIN) and GNU time; stores go to DRIFTLESS_BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${DRIFTLESS_BIN:-${CARGO_TARGET_DIR:-target}/release/driftless}
OUT=${DRIFTLESS_BENCH_DIR:-.cache/bench-logscale}
PG=${DRIFTLESS_BENCH_PG:-}
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "error: no release binary at $BIN: cargo build --release -p driftless" >&2; exit 1; }
[ $# -gt 0 ] || set -- 100000 1000000

measure() {  # measure LABEL CMD...: wall seconds and peak RSS (GNU time)
  local label=$1; shift
  /usr/bin/time -f "$label %e s, peak RSS %M KB" "$@" > /dev/null 2>> "$OUT/times.txt"
  tail -n 1 "$OUT/times.txt"
}

for n in "$@"; do
  if [ -n "$PG" ]; then
    name="driftless_logscale_$$_$n"
    psql "$PG/postgres" -qc "CREATE DATABASE $name" >/dev/null
    db="$PG/$name"
    trap 'psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null' EXIT
  else
    db="$OUT/log-$n.sqlite"
    rm -f "$db"
  fi
  start=$(date +%s.%N)
  /usr/bin/time -f "import $n: %e s, peak RSS %M KB" bash -c \
    "'$BIN' logs generate --requests $n 2>/dev/null | '$BIN' logs import --db '$db' --in - > /dev/null" \
    2>> "$OUT/times.txt"
  tail -n 1 "$OUT/times.txt"
  if [ -n "$PG" ]; then
    bytes=$(psql "$db" -tAc "SELECT pg_total_relation_size('query_log')")
  else
    bytes=$(stat -c %s "$db")
  fi
  echo "store $n: $bytes bytes, $(( bytes / n )) bytes/record" | tee -a "$OUT/times.txt"
  measure "analyse $n:" "$BIN" logs analyse --db "$db" --format json
  if [ -n "$PG" ]; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null
    trap - EXIT
  fi
done
