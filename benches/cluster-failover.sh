#!/usr/bin/env bash
# Replicas under failover (issue 19): closed loop of C clients (default 32) through HAProxy to
# 3 replicas (scripts/cluster.sh), replica 2 SIGKILLed at KILL_AT s and restarted at
# RESTART_AT s. Reports failed requests (any non-200 or transport error) and req/s, against
# one replica served directly and one behind the same HAProxy, all in this one run; then
# checks the one Postgres log: every answered request is there once, with the replica the
# client saw in `x-driftless-replica`, and with the client's own address (127.0.0.2, through
# X-Forwarded-For), so session analysis sees one client across the replicas.
#
#   benches/cluster-failover.sh BIN SNAPSHOT [SECONDS=40] [CLIENTS=32]
#
# BIN: a release `driftless`; LOADMIX (env, default: built with cargo --release --example
# loadmix into the same target directory) drives the load from 127.0.0.2.
# The mix: BM25 k=10, BM25 k=100 (doc unit) and fetch, rotating.
# Exits non-zero if more than 0.1% of requests failed or any answered request is missing
# from the log or logged under another replica.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$1 SNAP=$2 SECS=${3:-40} CLIENTS=${4:-32}
KILL_AT=$((SECS / 4)) RESTART_AT=$((SECS / 4 + 5))
WORK=$(mktemp -d /tmp/driftless-failover.XXXXXX)
LOADMIX=${LOADMIX:-}
if [ -z "$LOADMIX" ]; then
  cargo build --release --locked -q -p driftless-server --example loadmix
  LOADMIX="${CARGO_TARGET_DIR:-target}/release/examples/loadmix"
fi
MIX=bm25,bm25_k100,fetch
cleanup() {
  bash scripts/cluster.sh down --dir "$WORK/cluster" || true
  [ -n "${DIRECT_PID:-}" ] && kill "$DIRECT_PID" 2>/dev/null || true
}
trap cleanup EXIT

load() { # url seconds label [extra loadmix args]
  local url=$1 secs=$2 label=$3
  shift 3
  "$LOADMIX" "$url" --clients "$CLIENTS" --seconds "$secs" --only "$MIX" \
    --local-address 127.0.0.2 "$@" | tee "$WORK/$label.txt" | sed "s/^/[$label] /"
}

echo "== 1 replica, direct (no HAProxy), c=$CLIENTS, $((SECS / 2)) s"
"$BIN" serve --snapshot "$SNAP" --addr 127.0.0.1:18280 --no-log 2>"$WORK/direct.log" &
DIRECT_PID=$!
for _ in $(seq 600); do curl -sf 127.0.0.1:18280/ready >/dev/null && break; sleep 0.1; done
load http://127.0.0.1:18280 $((SECS / 2)) direct || true
kill "$DIRECT_PID"; wait "$DIRECT_PID" 2>/dev/null || true; DIRECT_PID=""

echo "== 1 replica behind HAProxy, c=$CLIENTS, $((SECS / 2)) s"
URL=$(bash scripts/cluster.sh up --dir "$WORK/cluster" --replicas 1 --snapshot "$SNAP" --binary "$BIN")
load "$URL" $((SECS / 2)) haproxy-1 || true
bash scripts/cluster.sh down --dir "$WORK/cluster"

echo "== 3 replicas behind HAProxy, c=$CLIENTS, $SECS s; replica 2 SIGKILLed at ${KILL_AT}s, restarted at ${RESTART_AT}s"
URL=$(bash scripts/cluster.sh up --dir "$WORK/cluster" --replicas 3 --snapshot "$SNAP" --binary "$BIN")
# shellcheck disable=SC1091
DB=$(. "$WORK/cluster/state"; echo "$DB")
(
  sleep "$KILL_AT"; bash scripts/cluster.sh kill 2 --dir "$WORK/cluster"
  echo "[failover] replica-2 SIGKILLed at $(date +%T)"
  sleep $((RESTART_AT - KILL_AT)); bash scripts/cluster.sh start 2 --dir "$WORK/cluster"
  echo "[failover] replica-2 ready again at $(date +%T)"
) &
FAILOVER=$!
load "$URL" "$SECS" haproxy-3 --record "$WORK/requests.tsv" || true
wait "$FAILOVER"

# The writers flush every 200 ms; the restarted replica replays the journal of the killed
# one within its first replay ticks. Then a graceful stop flushes the rest.
# HAProxy first: its idle keep-alive connections would hold each replica's graceful stop.
sleep 3
kill "$(cat "$WORK/cluster/haproxy.pid")"
for n in 1 2 3; do kill -TERM "$(cat "$WORK/cluster/replica-$n/pid")"; done
for n in 1 2 3; do
  pid=$(cat "$WORK/cluster/replica-$n/pid")
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
done
psql -X -q -At -F $'\t' "$DB" -c \
  "SELECT split_part(request_id, '#', 1), replica, client FROM query_log WHERE request_id LIKE 'lm-%'" \
  >"$WORK/logged.tsv"
# Every row, with the loader's own first search (it has no `lm-` id): what sessions count.
psql -X -q -At "$DB" -c "SELECT count(*) FROM query_log" >"$WORK/rows.txt"
# Session analysis over the one log: the client's requests, spread over three replicas, are
# one session (sessions key on the client, which HAProxy forwarded, not on the replica).
"$BIN" logs sessions --db "$DB" --clear-clients --format csv >"$WORK/sessions.csv"
grep -h "recovered a journal segment" "$WORK"/cluster/replica-*/serve.log | sed 's/^/[journal] /' || true

python3 - "$WORK" "$CLIENTS" <<'EOF'
import collections, re, sys
work, clients = sys.argv[1], sys.argv[2]
def stats(label):
    text = open(f"{work}/{label}.txt").read()
    m = re.search(r"all: sent \d+, answered \d+ \(([0-9.]+)/s\), p50 ([0-9.]+) ms, p99 ([0-9.]+) ms", text)
    return tuple(float(g) for g in m.groups()) if m else (float("nan"),) * 3
def rate(label):
    return stats(label)[0]
sent = [line.rstrip("\n").split("\t") for line in open(f"{work}/requests.tsv")]
answered = {rid: replica for rid, status, replica, _ in sent if status == "200"}
failed = [s for s in sent if s[1] != "200"]
logged = collections.defaultdict(list)
clients_seen = collections.Counter()
for line in open(f"{work}/logged.tsv"):
    rid, replica, client = line.rstrip("\n").split("\t")
    logged[rid].append(replica)
    clients_seen[client] += 1
missing = [rid for rid in answered if rid not in logged]
wrong = [rid for rid, rep in answered.items() if rid in logged and rep not in logged[rid]]
dups = [rid for rid, reps in logged.items() if len(reps) > 1]
by_replica = collections.Counter(answered.values())
direct, one, three = rate("direct"), rate("haproxy-1"), rate("haproxy-3")
pct = 100.0 * len(failed) / max(1, len(sent))
print(f"requests sent {len(sent)}, answered 200: {len(answered)}, failed: {len(failed)} ({pct:.3f}%)")
print(f"answered per replica (x-driftless-replica): {dict(sorted(by_replica.items()))}")
print(f"req/s at c={clients} (same mix, same payloads): direct 1 replica {direct:.0f}, "
      f"HAProxy+1 replica {one:.0f}, HAProxy+3 replicas with failover {three:.0f} "
      f"= {three/one:.2f}x HAProxy+1, {three/direct:.2f}x direct")
for label in ("direct", "haproxy-1", "haproxy-3"):
    r, p50, p99 = stats(label)
    print(f"  {label:<10} {r:8.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
print(f"query log: {len(logged)} request ids; missing answered {len(missing)}, "
      f"under another replica {len(wrong)}, logged twice {len(dups)}; clients {dict(clients_seen)}")
# A request logged twice is one a replica answered and logged, then died before sending;
# HAProxy retried it elsewhere. Both answers happened, so both rows stay (reported above).
import csv
sessions = list(csv.DictReader(open(f"{work}/sessions.csv")))
rows = int(open(f"{work}/rows.txt").read())
print(f"sessions over the log's {rows} rows: {len(sessions)}: " + "; ".join(
    f"{row.get('client')} {row.get('steps')} steps" for row in sessions[:5]))
ok_sessions = len(sessions) == 1 and int(sessions[0].get("steps", 0)) == rows
ok = ok_sessions and pct <= 0.1 and not missing and not wrong and set(clients_seen) == {"127.0.0.2"}
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
EOF
