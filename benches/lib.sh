# shellcheck shell=bash
# Sourced by the bench scripts (http-load, load, overload, slow-clients, poison, scale, ivf,
# journal-overhead, pin-overhead): what they all did on their own, once here.
#
#   ROOT    the workspace root;  TARGET  $CARGO_TARGET_DIR or ROOT/target
#   BIN     $DRIFTLESS_BIN or the release `driftless` in TARGET (scripts taking BIN as an
#           argument overwrite it)
#   BENCH   the script's name without .sh, the prefix of its messages
#   MODEL   $DRIFTLESS_MODEL_DIR or the default model under ROOT/.cache/models
# and, from scripts/serve-lib.sh, SERVER_PID, ADDR, serve_snapshot and stop_server.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="${DRIFTLESS_BIN:-$TARGET/release/driftless}"
BENCH="$(basename "$0" .sh)"
# shellcheck disable=SC2034  # MODEL is for the scripts that embed (ivf, load)
MODEL="${DRIFTLESS_MODEL_DIR:-$ROOT/.cache/models/all-MiniLM-L6-v2-int8}"
# shellcheck source-path=SCRIPTDIR source=../scripts/serve-lib.sh
source "$ROOT/scripts/serve-lib.sh"

say() { echo "$BENCH: $*" >&2; }
die() { say "$*"; exit 1; }

# in_root PATH: PATH, or ROOT/PATH when it is relative (snapshot variables are documented as
# relative to the workspace root, wherever the script is run from).
in_root() {
  if [[ "$1" = /* ]]; then echo "$1"; else echo "$ROOT/$1"; fi
}

# head_commit: the short commit of ROOT's HEAD, or "unknown" (the commit column of results).
head_commit() {
  git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown
}

# quickstart_bm25_snapshot: sets SNAP to $DRIFTLESS_BENCH_SNAPSHOT (relative to ROOT; default
# .cache/snapshots/default-bm25) and stops, naming the command that builds it, unless it holds
# a manifest.json.
quickstart_bm25_snapshot() {
  # shellcheck disable=SC2034  # SNAP is the caller's
  SNAP="$(in_root "${DRIFTLESS_BENCH_SNAPSHOT:-.cache/snapshots/default-bm25}")"
  [[ -f "$SNAP/manifest.json" ]] || die "no snapshot at $SNAP; build one: driftless quickstart --no-dense --no-serve"
}

# need_built HOW FILE...: stops with "FILE missing; run: HOW" unless every FILE is executable.
need_built() {
  local how=$1 f
  shift
  for f in "$@"; do
    [[ -x "$f" ]] || die "$f missing; run: $how"
  done
}

# ensure_wrk: installs wrk from Debian's packages when it is not on PATH (an index update
# only when the plain install fails).
ensure_wrk() {
  command -v wrk >/dev/null && return 0
  say "installing wrk (Debian package)"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
}

# need_wrk: for the scripts that leave installing to the caller.
need_wrk() {
  command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
}

# bench_cleanup: stops the server this script started (by its pid) and removes WORK. For
# the EXIT trap, alone or at the end of a script's own cleanup.
# shellcheck disable=SC2153  # WORK is the caller's
bench_cleanup() {
  stop_server
  rm -rf "$WORK"
}

# query_log_args off|on DIR: sets LOG_ARGS, the `serve` arguments of the query log: --no-log
# for off (capture overhead = the difference), else a fresh SQLite store and spill file in DIR.
query_log_args() {
  # shellcheck disable=SC2034  # LOG_ARGS is the caller's
  if [[ "$1" == off ]]; then
    LOG_ARGS=(--no-log)
  else
    rm -f "$2"/querylog.*
    LOG_ARGS=(--log-db "$2/querylog.sqlite" --log-spill "$2/querylog.spill.jsonl")
  fi
}

# serve_ready SNAPSHOT DIR TIMEOUT_S [SERVE_ARGS...]: `driftless serve` of SNAPSHOT (quiet log,
# stdout to DIR/serve.out, stderr to DIR/serve.log); waits until its /ready answers: sets SERVER_PID
# and BASE (http://127.0.0.1:PORT). Port 0: the kernel picks a free port and the server
# prints it, so there is no race between choosing a port and binding it. Unlike
# serve_snapshot (scripts/serve-lib.sh), the query log is the caller's (--no-log allowed) and
# readiness is /ready, not the log line, with a timeout long enough for 10M-passage snapshots.
serve_ready() {
  local snapshot=$1 dir=$2 timeout=$3
  shift 3
  DRIFTLESS_LOG=warn "$BIN" serve --snapshot "$snapshot" --addr 127.0.0.1:0 "$@" \
    >"$dir/serve.out" 2>"$dir/serve.log" &
  SERVER_PID=$!
  BASE=""
  for _ in $(seq 1 $((timeout * 10))); do   # opening verifies every checksum
    BASE="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$dir/serve.log" | head -1 || true)"
    if [[ -n "$BASE" ]] && curl -fsS -o /dev/null "$BASE/ready" 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$dir/serve.log" >&2; die "server exited"; }
    BASE=""; sleep 0.1
  done
  cat "$dir/serve.log" >&2
  die "server not ready after $timeout s"
}

# rotating_lua FILE < LUA: writes a wrk script: benches/rotate.lua (each thread cycles through
# the paths from its own offset; done() prints a RESULT line of key=value pairs), then LUA,
# which sets STRIDE and RPS_FORMAT and defines make_paths(args).
rotating_lua() {
  cat "$ROOT/benches/rotate.lua" - >"$1"
}

# wrk_result ARRAY THREADS CONNS TIMEOUT LUA URL [SCRIPT_ARGS...]: a WARMUP s wrk run, then a
# DURATION s one whose RESULT line (from the done() hook of rotate.lua) fills the associative
# array named ARRAY (p50_ms, p99_ms, rps, requests, non2xx, socket_errors).
# shellcheck disable=SC2034  # wrk_out is a name reference to the caller's array
wrk_result() {
  local -n wrk_out=$1
  local threads=$2 conns=$3 timeout=$4 lua=$5 url=$6 line kv
  shift 6
  wrk -t"$threads" -c"$conns" -d"${WARMUP}s" --timeout "$timeout" -s "$lua" "$url" -- "$@" >/dev/null
  line="$(wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout "$timeout" -s "$lua" "$url" -- "$@" | grep '^RESULT')"
  wrk_out=()
  for kv in ${line#RESULT }; do wrk_out[${kv%%=*}]=${kv#*=}; done
}

# rps_of PORT SECONDS LABEL PATH SERVE_COMMAND...: starts SERVE_COMMAND (a server on
# 127.0.0.1:PORT, stderr dropped), waits up to 10 s for /ready, prints "LABEL <req/s>" of a
# wrk run at c=8 (2 threads) on PATH, then stops that server by its pid.
rps_of() {
  local port=$1 secs=$2 label=$3 path=$4
  shift 4
  "$@" 2>/dev/null &
  local pid=$!
  for _ in $(seq 100); do curl -sf "127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
  wrk -t2 -c8 -d"${secs}s" "http://127.0.0.1:$port$path" | awk -v l="$label" '/Requests\/sec/ {print l, $2}'
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

# median_rps < "LABEL REQ/S" lines: "LABEL median req/s M" per label.
median_rps() {
  sort -k1,1 -k2,2n | awk '{v[$1]=v[$1]" "$2; n[$1]++} END {for (k in v) {split(substr(v[k],2),a," "); print k, "median req/s", a[int((n[k]+1)/2)]}}'
}
