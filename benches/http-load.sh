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
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SNAP="$(in_root "${DRIFTLESS_BENCH_SNAPSHOT:-.cache/snapshots/default}")"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"

if [[ ! -f "$SNAP/manifest.json" ]]; then
  echo "http-load: no snapshot at $SNAP (no manifest.json)." >&2
  echo "  build one: cargo run --release -p driftless -- quickstart --no-serve" >&2
  echo "  or set DRIFTLESS_BENCH_SNAPSHOT to an existing snapshot directory." >&2
  exit 1
fi
need_built "cargo build --release -p driftless" "$BIN"
ensure_wrk

WORK="$(mktemp -d)"
trap bench_cleanup EXIT INT TERM

# DRIFTLESS_BENCH_LOG=off measures without the query log (capture overhead = the difference).
query_log_args "${DRIFTLESS_BENCH_LOG:-on}" "$WORK"
serve_ready "$SNAP" "$WORK" 60 "${LOG_ARGS[@]}"

# Same agent-style queries as crates/index/benches/bm25.rs (bare terms, phrases, -exclusion,
# site:).
rotating_lua "$WORK/load.lua" <<'LUA'
STRIDE, RPS_FORMAT = 7, "%.0f"
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
function make_paths(args)
  local what = args[1]
  if what == "fetch" then
    return { "/v1/fetch?doc_id=" .. encode("python-3.11/library/subprocess") }
  end
  -- what = "<unit>:<mode>"
  local unit, mode = what:match("^(%w+):(%w+)$")
  local list = {}
  for i, q in ipairs(queries) do list[i] = "/v1/search?unit=" .. unit .. "&mode=" .. mode .. "&k=" .. k .. "&q=" .. encode(q) end
  return list
end
LUA

echo "driftless HTTP load: $(nproc) cores, snapshot $SNAP, server $BASE, ${DURATION}s per run after ${WARMUP}s warm-up"
printf '%-16s %-4s %9s %9s %9s %9s %7s %7s\n' target conc p50_ms p99_ms req/s requests non2xx sockerr
FAILED=0
run() {  # run <label> <what> <threads> <connections>
  local label=$1 what=$2 threads=$3 conns=$4
  local -A v
  wrk_result v "$threads" "$conns" 5s "$WORK/load.lua" "$BASE" "$what"
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
