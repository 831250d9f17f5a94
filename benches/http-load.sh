#!/usr/bin/env bash
# HTTP load test of `driftless serve` on loopback with wrk.
#
# Usage: benches/http-load.sh            (from anywhere; about 110 s per mode)
#   DRIFTLESS_BENCH_SNAPSHOT  snapshot dir (default .cache/snapshots/default, relative to the
#                             workspace root; `cargo run --release -p driftless -- quickstart
#                             --no-serve` builds it)
#   DURATION / WARMUP         seconds per measured run / warm-up run (default 10 / 2)
#   DRIFTLESS_BENCH_K         results per search (default 10; 100 for the heavy case)
#
# For unit=doc, unit=passage and /v1/fetch of one fixed page, at concurrency 1 (1 thread,
# 1 connection), 8 and 32 (2 threads, 8 or 32 connections), it prints p50/p99 latency and
# requests/s (about 110 s for bm25 alone).
# Percentiles come from wrk's own histogram via a Lua done() hook, so they are exact for the
# run rather than read off --latency's rounded table. Exits non-zero if any response was not
# 2xx or any socket error happened: a fast error page must not pass for a fast search.
#
# wrk shares the machine with the server: on a 2-core box the c=8 numbers are a floor for
# what the server alone could do.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SNAP="${DRIFTLESS_BENCH_SNAPSHOT:-.cache/snapshots/default}"
[[ "$SNAP" = /* ]] || SNAP="$ROOT/$SNAP"
BIN="${DRIFTLESS_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/driftless}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"

if [[ ! -f "$SNAP/manifest.json" ]]; then
  echo "http-load: no snapshot at $SNAP (no manifest.json)." >&2
  echo "  build one: cargo run --release -p driftless -- quickstart --no-serve" >&2
  echo "  or set DRIFTLESS_BENCH_SNAPSHOT to an existing snapshot directory." >&2
  exit 1
fi
if [[ ! -x "$BIN" ]]; then
  echo "http-load: $BIN missing; run: cargo build --release -p driftless" >&2
  exit 1
fi
if ! command -v wrk >/dev/null; then
  echo "http-load: installing wrk (Debian package)" >&2
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  # Only the server this script started, by its pid.
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# Port 0: the kernel picks a free port and the server prints it, so there is no race between
# choosing a port and binding it.
# DRIFTLESS_BENCH_LOG=off measures without the query log (capture overhead = the difference).
if [[ "${DRIFTLESS_BENCH_LOG:-on}" == off ]]; then LOG_ARGS=(--no-log); else
  LOG_ARGS=(--log-db "$WORK/querylog.sqlite" --log-spill "$WORK/querylog.spill.jsonl"); fi
DRIFTLESS_LOG=warn "$BIN" serve --snapshot "$SNAP" --addr 127.0.0.1:0 "${LOG_ARGS[@]}" 2>"$WORK/server.log" &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 600); do   # up to 60 s: opening verifies every checksum
  BASE="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/server.log" | head -1 || true)"
  if [[ -n "$BASE" ]] && curl -fsS -o /dev/null "$BASE/ready" 2>/dev/null; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "http-load: server exited:" >&2; cat "$WORK/server.log" >&2; exit 1
  fi
  BASE=""; sleep 0.1
done
[[ -n "$BASE" ]] || { echo "http-load: server not ready after 60 s" >&2; cat "$WORK/server.log" >&2; exit 1; }

# Same agent-style queries as crates/index/benches/bm25.rs (bare terms, phrases, -exclusion,
# site:). Each wrk thread cycles through them from a different start so connections do not
# all ask the same query at the same moment.
cat >"$WORK/load.lua" <<'LUA'
local k = os.getenv("DRIFTLESS_BENCH_K") or "10"
local queries = {
  "create index concurrently", "python subprocess timeout", "django model unique constraint",
  "git rebase interactive", "vacuum", "asyncio gather", "postgres jsonb index",
  "django queryset select_related prefetch_related", "git cherry-pick conflict",
  "python dataclass default factory", "sphinx autodoc", "pg_stat_activity",
  "django migrations squash", "python logging configuration file handler", "git bisect",
  "postgresql row level security policy", "python typing protocol generic",
  "django csrf token ajax request", "explain analyze buffers", "sphinx toctree maxdepth",
  "how to remove duplicates from a python list keeping order", "git stash",
  "transaction isolation level serializable",
  '"unique constraint" django', '"window function" postgresql', "python subprocess -asyncio",
  "site:docs.python.org json dump", "site:www.postgresql.org trigger function",
  "logging handler -site:docs.djangoproject.com", '"select for update" skip locked',
}
local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local paths = {}
local counter = 0
local thread_no = 0
function setup(thread) thread:set("offset", thread_no * 7); thread_no = thread_no + 1 end
function init(args)
  local what = args[1]
  if what == "fetch" then
    paths = { "/v1/fetch?doc_id=" .. encode("python-3.11/library/subprocess") }
  else
    -- what = "<unit>:<mode>"
    local unit, mode = what:match("^(%w+):(%w+)$")
    for i, q in ipairs(queries) do paths[i] = "/v1/search?unit=" .. unit .. "&mode=" .. mode .. "&k=" .. k .. "&q=" .. encode(q) end
  end
  counter = offset or 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT p50_ms=%.3f p99_ms=%.3f rps=%.0f requests=%d non2xx=%d socket_errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), summary.requests,
    e.status, e.connect + e.read + e.write + e.timeout))
end
LUA

echo "driftless HTTP load: $(nproc) cores, snapshot $SNAP, server $BASE, ${DURATION}s per run after ${WARMUP}s warm-up"
printf '%-16s %-4s %9s %9s %9s %9s %7s %7s\n' target conc p50_ms p99_ms req/s requests non2xx sockerr
FAILED=0
run() {  # run <label> <what> <threads> <connections>
  local label=$1 what=$2 threads=$3 conns=$4
  wrk -t"$threads" -c"$conns" -d"${WARMUP}s" --timeout 5s -s "$WORK/load.lua" "$BASE" -- "$what" >/dev/null
  local line
  line="$(wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 5s -s "$WORK/load.lua" "$BASE" -- "$what" | grep '^RESULT')"
  # RESULT p50_ms=… p99_ms=… rps=… requests=… non2xx=… socket_errors=…
  local -A v
  for kv in ${line#RESULT }; do v[${kv%%=*}]=${kv#*=}; done
  printf '%-16s %-4s %9s %9s %9s %9s %7s %7s\n' "$label" "c=$conns" "${v[p50_ms]}" "${v[p99_ms]}" \
    "${v[rps]}" "${v[requests]}" "${v[non2xx]}" "${v[socket_errors]}"
  if [[ "${v[non2xx]}" != 0 || "${v[socket_errors]}" != 0 ]]; then FAILED=1; fi
}
# Modes to measure: DRIFTLESS_BENCH_MODES="bm25 hybrid dense" on a snapshot built with --dense.
MODES=${DRIFTLESS_BENCH_MODES:-bm25}
for conc in "1 1" "2 8" "2 32"; do
  read -r threads conns <<<"$conc"
  for mode in $MODES; do
    run "$mode doc" "doc:$mode" "$threads" "$conns"
    run "$mode passage" "passage:$mode" "$threads" "$conns"
  done
  run "fetch" fetch "$threads" "$conns"
done

if [[ $FAILED -ne 0 ]]; then
  echo "http-load: FAILED: some responses were not 2xx or hit socket errors (see columns above)" >&2
  exit 1
fi
echo "all responses 2xx, no socket errors"
