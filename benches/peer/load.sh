#!/usr/bin/env bash
# Load half of benches/peer/run.sh (called by it): starts both servers on loopback, checks
# that both answer with records of the same exported passages, measures the response bodies
# of the query list, then drives both with wrk at concurrency 1, 8 and 32 with Search-R1
# /retrieve bodies at topk 3 and 10, and prints a table with bytes per response and ratios.
# Args: BIN SNAPSHOT PYTHON LUCENE_PASSAGE_INDEX DURATION WARMUP PASSAGES_JSONL.
set -euo pipefail
BIN=$1 SNAP=$2 PY=$3 INDEX=$4 DURATION=$5 WARMUP=$6 PASSAGES=$7
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {  # only the servers this script started, by pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PEER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$PY" "$HERE/retrieval_server.py" "$INDEX" "$PEER_PORT" 2>"$WORK/peer.log" &
PIDS+=($!)
DRIFTLESS_LOG=warn "$BIN" serve --snapshot "$SNAP" --addr 127.0.0.1:0 --log-db "$WORK/q.sqlite" 2>"$WORK/ours.log" &
PIDS+=($!)
OURS=""; PEER="http://127.0.0.1:$PEER_PORT"
for _ in $(seq 1 1200); do   # up to 120 s: the JVM and the snapshot checks take a while
  OURS="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/ours.log" | head -1 || true)"
  if [[ -n "$OURS" ]] && curl -fsS -o /dev/null "$OURS/ready" 2>/dev/null \
     && curl -fsS -o /dev/null "$PEER/health" 2>/dev/null; then break; fi
  sleep 0.1
done
curl -fsS -o /dev/null "$PEER/health" || { echo "peer not ready:"; cat "$WORK/peer.log"; exit 1; } >&2

# Bare-term agent queries (no operators: the peer has no query syntax).
QUERIES=(
  "create index concurrently" "python subprocess timeout" "django model unique constraint"
  "git rebase interactive" "vacuum" "asyncio gather" "postgres jsonb index"
  "django queryset select_related prefetch_related" "git cherry-pick conflict"
  "python dataclass default factory" "sphinx autodoc" "pg_stat_activity"
  "django migrations squash" "python logging configuration file handler" "git bisect"
  "postgresql row level security policy" "python typing protocol generic"
  "django csrf token ajax request" "explain analyze buffers" "sphinx toctree maxdepth"
  "how to remove duplicates from a python list keeping order" "git stash"
  "transaction isolation level serializable"
)
body() { printf '{"queries":["%s"],"topk":%s,"return_scores":true}' "$1" "$2"; }

# Every response body of the list, both sides, both topk: kept for the byte count and the
# same-passages check (each returned record equals the exported passage of its id).
for topk in 3 10; do
  for i in "${!QUERIES[@]}"; do
    for side in ours peer; do
      base=$OURS; [[ $side == peer ]] && base=$PEER
      curl -fsS -H 'content-type: application/json' -d "$(body "${QUERIES[$i]}" "$topk")" \
        -o "$WORK/$side-$topk-$i.json" "$base/retrieve"
    done
  done
done
python3 - "$WORK" "$PASSAGES" "${#QUERIES[@]}" >"$WORK/bytes.txt" <<'PY'
import json, os, sys
work, passages, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
exported = {}
for line in open(passages, encoding="utf-8"):
    record = json.loads(line)
    exported[record["id"]] = record
checked, shared, same_ids = 0, 0, 0
for topk in (3, 10):
    sizes = {}
    for side in ("ours", "peer"):
        sizes[side] = [os.path.getsize(f"{work}/{side}-{topk}-{i}.json") for i in range(n)]
    for i in range(n):
        lists = {}
        for side in ("ours", "peer"):
            [ranked] = json.load(open(f"{work}/{side}-{topk}-{i}.json", encoding="utf-8"))["result"]
            if len(ranked) != topk:
                sys.exit(f"{side} answered {len(ranked)} passages for query {i} at topk {topk}")
            for item in ranked:
                if item["document"] != exported.get(item["document"]["id"]):
                    sys.exit(f"{side}: {item['document']['id']} differs from the exported passage")
                checked += 1
            lists[side] = [item["document"]["id"] for item in ranked]
        shared += len(set(lists["ours"]) & set(lists["peer"]))
        same_ids += lists["ours"] == lists["peer"]
    print(f"BYTES {topk} {sum(sizes['ours']) / n:.0f} {sum(sizes['peer']) / n:.0f}")
print(f"CHECK {checked} {shared} {same_ids} {2 * n}")
PY
read -r _ checked shared same_lists lists <<<"$(grep '^CHECK' "$WORK/bytes.txt")"

cat >"$WORK/load.lua" <<LUA
local queries = {
$(for q in "${QUERIES[@]}"; do printf '  "%s",\n' "$q"; done)
}
LUA
cat >>"$WORK/load.lua" <<'LUA'
local bodies, counter, thread_no = {}, 0, 0
function setup(thread) thread:set("offset", thread_no * 7); thread_no = thread_no + 1 end
function init(args)
  for i, q in ipairs(queries) do
    bodies[i] = string.format('{"queries":["%s"],"topk":%s,"return_scores":true}', q, args[1])
  end
  counter = offset or 0
end
function request()
  counter = counter + 1
  return wrk.format("POST", "/retrieve", {["content-type"] = "application/json"}, bodies[(counter % #bodies) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.3f %.3f %.1f %d %d\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6),
    e.status, e.connect + e.read + e.write + e.timeout))
end
LUA

measure() {  # measure <base> <topk> <threads> <conns> → "p50 p99 rps non2xx errors"
  wrk -t"$3" -c"$4" -d"${WARMUP}s" --timeout 30s -s "$WORK/load.lua" "$1" -- "$2" >/dev/null
  wrk -t"$3" -c"$4" -d"${DURATION}s" --timeout 30s -s "$WORK/load.lua" "$1" -- "$2" | grep '^RESULT' | cut -d' ' -f2-
}
echo "== load: $(nproc) cores, ${DURATION}s per run after ${WARMUP}s warm-up; POST /retrieve to both, ${#QUERIES[@]} queries"
echo "   same passages: $checked returned records checked, every one equal to the exported passage of its id"
echo "   ($shared ids returned by both sides; $same_lists of $lists ranked lists identical: the analyzers differ)"
echo "   B/resp: mean response body bytes over the query list (curl, before wrk)"
printf '%-4s %-4s | %-31s %-7s | %-31s %-7s | %s\n' topk conc "driftless p50/p99 ms, req/s" B/resp \
  "peer p50/p99 ms, req/s" B/resp "ratio req/s, p50"
for topk in 3 10; do
  read -r _ _ obytes pbytes <<<"$(grep "^BYTES $topk " "$WORK/bytes.txt")"
  for conc in "1 1" "2 8" "2 32"; do
    read -r threads conns <<<"$conc"
    read -r op50 op99 orps onon oerr <<<"$(measure "$OURS" "$topk" "$threads" "$conns")"
    read -r pp50 pp99 prps pnon perr <<<"$(measure "$PEER" "$topk" "$threads" "$conns")"
    printf '%-4s %-4s | %7s %8s %8s (%s err) %7s | %7s %8s %8s (%s err) %7s | %6.1fx %6.1fx\n' \
      "$topk" "c=$conns" "$op50" "$op99" "$orps" "$((onon + oerr))" "$obytes" \
      "$pp50" "$pp99" "$prps" "$((pnon + perr))" "$pbytes" \
      "$(awk "BEGIN{print $orps / $prps}")" "$(awk "BEGIN{print $pp50 / $op50}")"
  done
done
