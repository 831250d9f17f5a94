#!/usr/bin/env bash
# Slow clients vs normal ones (issue 13): `driftless serve` on loopback; normal clients (wrk,
# 8 keep-alive connections, each pausing 10 ms between searches) measure search latency
# twice: quiet, then while 5,000 hostile connections are held open for 60 s (half send a
# header one byte per second, half send one request and then sit idle; each reconnects when
# the server closes it). Reports both p99s and their ratio (target: within 2x), what the
# server did to the slow connections, its peak RSS, and how long SIGTERM takes with them
# still connected.
#
# Usage: benches/slow-clients.sh       (about 2 minutes)
#   DRIFTLESS_BENCH_SNAPSHOT  snapshot dir (default .cache/snapshots/default-bm25: `driftless
#                             quickstart --no-dense --no-serve` builds it)
#   DRIFTLESS_BIN             server binary (default: $CARGO_TARGET_DIR/release/driftless)
#   SLOW / SLOW_SECONDS / QUIET_SECONDS   5000 / 60 / 20
#   SERVE_ARGS                extra `driftless serve` arguments (e.g. "--header-timeout-ms 5000")
#   PIN                       1 (default on 2+ cores): the server and wrk on CPU 0, the slow
#                             client on CPU 1, in both phases, so the ratio measures what
#                             5,000 slow connections cost the server, not the CPU that a
#                             Python load generator takes from it on a shared 2-core box;
#                             0: no pinning (everything shares every core).
# Loopback only; every client is bounded in count and time. Needs `ulimit -n` above SLOW.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SLOW="${SLOW:-5000}"
SLOW_SECONDS="${SLOW_SECONDS:-60}"
QUIET_SECONDS="${QUIET_SECONDS:-20}"

need_built "cargo build --release -p driftless" "$BIN"
quickstart_bm25_snapshot
ensure_wrk
# Both the server and the slow-client process hold SLOW sockets, plus their own files.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < SLOW + 512 )); then
  die "ulimit -n is $(ulimit -n); need $(( SLOW + 512 )) (raise the hard limit or lower SLOW)"
fi

PIN="${PIN:-$(( $(nproc) >= 2 ? 1 : 0 ))}"
PIN_SERVER=()
PIN_SLOW=()
if [[ "$PIN" = 1 ]] && command -v taskset >/dev/null; then
  PIN_SERVER=(taskset -c 0)
  PIN_SLOW=(taskset -c 1)
fi

WORK=$(mktemp -d)
SLOW_PID=""
cleanup() {
  [[ -n "$SLOW_PID" ]] && kill "$SLOW_PID" 2>/dev/null || true
  bench_cleanup
}
trap cleanup EXIT

# shellcheck disable=SC2086
serve_snapshot "$BIN" "$SNAP" "$WORK" "$WORK/querylog.sqlite" ${SERVE_ARGS:-}
HOST=${ADDR%:*}
PORT=${ADDR##*:}
if (( ${#PIN_SERVER[@]} )); then
  # Every thread of the server, including those started later (they inherit the mask).
  taskset -apc 0 "$SERVER_PID" >/dev/null
fi
echo "slow-clients: server $SERVER_PID on $ADDR ($(nproc) cores, pinning: ${PIN_SERVER[*]:-none} / slow client ${PIN_SLOW[*]:-none}), snapshot $SNAP"

cat >"$WORK/normal.lua" <<'LUA'
local queries = {
  "create index concurrently", "python subprocess timeout", "git rebase interactive", "vacuum",
  "asyncio gather", "postgres jsonb index", "django migrations squash", "sphinx autodoc",
  '"window function" postgresql', "site:docs.python.org json dump", "git stash", "pg_stat_activity",
}
local counter = 0
local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
function request()
  counter = counter + 1
  return wrk.format("GET", "/v1/search?k=10&q=" .. encode(queries[(counter % #queries) + 1]))
end
-- A think time keeps the normal clients below capacity: latency then shows interference,
-- not the queue a saturating closed loop builds by itself.
function delay() return 10 end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT p50_ms=%.2f p99_ms=%.2f rps=%.0f non2xx=%d socket_errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), e.status, e.connect + e.read + e.write + e.timeout))
end
LUA

normal() {  # normal <seconds> -> RESULT line
  "${PIN_SERVER[@]}" wrk -t1 -c8 -d"${1}s" --timeout 5s -s "$WORK/normal.lua" "http://$ADDR" | grep '^RESULT'
}

# The hostile clients: asyncio, stdlib only. Opens at most 1,000 connections a second, holds
# SLOW of them, reconnects each one the server closes, stops after the given seconds.
cat >"$WORK/slow.py" <<'PY'
import asyncio, sys, time
host, port, total, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
stats = {"opened": 0, "closed_by_server": 0, "connect_errors": 0, "open": 0, "peak_open": 0}
REQUEST = f"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
HEAD = f"GET /v1/search?q=slow HTTP/1.1\r\nHost: {host}\r\nX-Padding: ".encode() + b"a" * 4096

async def hold(kind, end):
    while time.monotonic() < end:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            stats["connect_errors"] += 1
            await asyncio.sleep(1)
            continue
        stats["opened"] += 1; stats["open"] += 1
        stats["peak_open"] = max(stats["peak_open"], stats["open"])
        try:
            if kind == "idle":
                writer.write(REQUEST); await writer.drain()
                await reader.readuntil(b"\r\n\r\n")       # headers of /health; then silence
                while await reader.read(4096):
                    pass
            else:                                           # one header byte per second
                i = 0
                while time.monotonic() < end:
                    writer.write(HEAD[i % len(HEAD):i % len(HEAD) + 1]); await writer.drain()
                    i += 1
                    try:
                        if not await asyncio.wait_for(reader.read(4096), 1.0):
                            break
                    except asyncio.TimeoutError:
                        pass
            if time.monotonic() < end:
                stats["closed_by_server"] += 1
        except (OSError, asyncio.IncompleteReadError):
            if time.monotonic() < end:
                stats["closed_by_server"] += 1
        finally:
            stats["open"] -= 1
            writer.close()

async def main():
    end = time.monotonic() + seconds
    tasks = []
    for i in range(total):
        tasks.append(asyncio.create_task(hold("idle" if i % 2 else "drip", end)))
        if i % 100 == 99:
            await asyncio.sleep(0.1)
    print(f"slow: {total} clients started", flush=True)
    await asyncio.gather(*tasks)
    print("SLOW " + " ".join(f"{k}={v}" for k, v in stats.items()), flush=True)

asyncio.run(main())
PY

echo "slow-clients: quiet baseline, ${QUIET_SECONDS}s"
normal 5 >/dev/null   # warm-up
quiet=$(normal "$QUIET_SECONDS")
echo "  $quiet"

echo "slow-clients: $SLOW slow connections for ${SLOW_SECONDS}s, normal clients searching meanwhile"
"${PIN_SLOW[@]}" python3 "$WORK/slow.py" "$HOST" "$PORT" "$SLOW" "$SLOW_SECONDS" >"$WORK/slow.out" 2>&1 &
SLOW_PID=$!
until grep -q "clients started" "$WORK/slow.out" 2>/dev/null; do sleep 0.5; done
sleep 2
server_fds=$(ls "/proc/$SERVER_PID/fd" | wc -l)
loaded=$(normal $(( SLOW_SECONDS - 12 )))
echo "  $loaded"
echo "  server file descriptors while loaded: $server_fds"

echo "  CPU time so far: server $(ps -o time= -p "$SERVER_PID" | tr -d ' '), slow client $(ps -o time= -p "$SLOW_PID" | tr -d ' ')"

# SIGTERM with the slow connections still there: they owe nothing, so shutdown is prompt.
peak_rss=$(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$SERVER_PID/status")
echo "  server peak RSS: $peak_rss"
started=$(date +%s.%N)
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
stopped=$(date +%s.%N)
SERVER_PID=""
wait "$SLOW_PID" || true
SLOW_PID=""
grep '^SLOW' "$WORK/slow.out" | sed 's/^/  /'
python3 -c 'import sys; print(f"  shutdown with slow clients connected: {float(sys.argv[2]) - float(sys.argv[1]):.2f} s")' "$started" "$stopped"

p99() { sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$1"; }
q=$(p99 "$quiet"); l=$(p99 "$loaded")
ratio=$(python3 -c 'import sys; print(f"{float(sys.argv[2]) / float(sys.argv[1]):.2f}")' "$q" "$l")
echo "slow-clients: normal p99 quiet ${q} ms, with $SLOW slow connections ${l} ms: ${ratio}x (target within 2x)"
