#!/usr/bin/env bash
# Load run of issue 13's must-show: admission by deadline on a dense snapshot of the
# PostgreSQL 15 pages, release build, default `serve` flags.
#
#   1. closed loops of 8 and 64 clients, each sending back to back a mix of BM25 k=10,
#      BM25 k=100 (doc), hybrid k=10, fetch and /retrieve batches of 32 (topk 3):
#      expected 0 × 503 and 0 × 5xx, p99 ≈ clients ÷ throughput;
#   2. capacity of the same mix (closed loop, 32 clients, 10 s), then open loops at 2× and
#      5× capacity for SECONDS_OPEN s, first with a 1 s deadline (x-request-timeout-ms: 1000),
#      then with the server's default deadline: goodput, admitted p99, 503s with
#      Retry-After, peak RSS, transport errors.
#
# Usage: benches/load.sh        (about 10 min; builds the snapshot once, ~4 min)
#   DRIFTLESS_BENCH_DENSE_SNAPSHOT  snapshot dir (default .cache/snapshots/pg-dense)
#   SECONDS_CLOSED / SECONDS_OPEN   lengths of the phases (30 / 60)
#   FACTORS / DEADLINES             open-loop factors ("2 5") and deadlines ("1000 default")
#   ONLY                            loadmix kinds instead of the default mix, comma-separated
#                                   (e.g. bm25_k100_passage,hybrid_k100,dense_k100)
#   DRIFTLESS_BIN / DRIFTLESS_LOADMIX_BIN   binaries (default: the release builds)
#   SERVE_ARGS                      extra `driftless serve` arguments
# Needs: cargo build --release -p driftless -p driftless-server --example loadmix, the
# corpus (corpus-tools/fetch-default-corpus.sh) and the model (corpus-tools/fetch-model.sh).
# The load generator shares the 2 cores with the server, so capacity here is a floor.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOADGEN="${DRIFTLESS_LOADMIX_BIN:-$TARGET/release/examples/loadmix}"
SNAP="${DRIFTLESS_BENCH_DENSE_SNAPSHOT:-$ROOT/.cache/snapshots/pg-dense}"
CORPUS="${DRIFTLESS_TEST_CORPUS:-$ROOT/.cache/corpus/default}"
ORT_LIB="${DRIFTLESS_ORT_LIB:-$(dirname "$MODEL")/onnxruntime/libonnxruntime.so.1.31.1}"
SECONDS_CLOSED="${SECONDS_CLOSED:-30}"
SECONDS_OPEN="${SECONDS_OPEN:-60}"
FACTORS="${FACTORS:-2 5}"
DEADLINES="${DEADLINES:-1000 default}"

need_built "cargo build --release -p driftless -p driftless-server --example loadmix" "$BIN" "$LOADGEN"
if [[ ! -f "$SNAP/manifest.json" ]]; then
  echo "load: building a dense snapshot of the PostgreSQL pages at $SNAP"
  "$BIN" build --corpus "$CORPUS" --include postgresql-doc-15/ --dense --model "$MODEL" \
    --ort-library "$ORT_LIB" --out "$SNAP"
fi

WORK=$(mktemp -d)
trap bench_cleanup EXIT
# shellcheck disable=SC2086
serve_snapshot "$BIN" "$SNAP" "$WORK" "$WORK/querylog.sqlite" --ort-library "$ORT_LIB" ${SERVE_ARGS:-}
echo "load: server $SERVER_PID on $ADDR, snapshot $SNAP"

status=0
run() {
  echo "== loadmix $*"
  "$LOADGEN" "http://$ADDR" --dense --pid "$SERVER_PID" ${ONLY:+--only "$ONLY"} "$@" || status=1
}
run --clients 8 --seconds "$SECONDS_CLOSED" --expect-no-503
run --clients 64 --seconds "$SECONDS_CLOSED" --expect-no-503
for deadline in $DEADLINES; do
  for factor in $FACTORS; do
    if [[ "$deadline" = default ]]; then
      run --factor "$factor" --seconds "$SECONDS_OPEN"
    else
      run --factor "$factor" --seconds "$SECONDS_OPEN" --deadline-ms "$deadline"
    fi
  done
done
exit "$status"
