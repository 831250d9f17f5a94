#!/usr/bin/env bash
# Scale benchmark (issue 14 item 5): build and serve synthetic corpora of growing size.
#
# Usage: benches/scale.sh [SIZES...]      (default: 10000 100000 1000000 10000000 documents;
#                                          the generator makes one passage per document)
# For each size: generate the corpus (benches/scale/gen_corpus.py, seeded, synthetic), build
# a BM25 snapshot under /usr/bin/time -v, serve it on loopback, run wrk at concurrency 1
# (1 thread, 1 connection) and 8 (2 threads, 8 connections) over 200 fixed queries
# (GET /v1/search, mode=bm25, k=10, unit=doc and unit=passage, WARMUP s then DURATION s per
# run; before that, each query once cold and once cached: benches/scale/passes.py into
# SCALE_DIR/N/passes.jsonl), read the server's VmRSS / VmHWM after the load, stop it, and
# delete the corpus and snapshot (unless KEEP=1). Each size upserts its row of benches/scale/results.csv; at the
# end benches/scale/scale.png is redrawn from every row of the CSV.
#
#   DRIFTLESS_BIN   release binary (default $CARGO_TARGET_DIR or target/ + release/driftless)
#   SCALE_DIR       where corpora, snapshots and logs go (default .cache/scale, ignored by git)
#   KEEP=1          keep corpus and snapshot of every size (a re-run then reuses them)
#   FORMAT          auto (default: .jsonl.gz when the binary reads it, else .jsonl) | jsonl | gz
#   DURATION/WARMUP seconds per measured / warm-up wrk run (default 15 / 3)
#   SKIP_BUILD=1    reuse the kept snapshot of a size (KEEP=1 earlier): serve + load only,
#                   the build columns of the existing CSV row are kept
#   LOG=off         serve with --no-log (default: the query log on, in SCALE_DIR, as shipped)
#   BUILD_ARGS / SERVE_ARGS   extra arguments of `driftless build` / `driftless serve`
#   FORCE=1         run even when the disk estimate says it will not fit
#   PLOT=0          do not draw the PNG (it needs matplotlib: a venv in .cache/bench-venv is
#                   created from PyPI when missing)
#
# wrk, the server and (for SKIP_BUILD=0) nothing else of ours share the machine's cores; on a
# 2-core box the c=8 numbers are a floor for what the server alone could do.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE="$ROOT/benches/scale"
SCALE_DIR="${SCALE_DIR:-$ROOT/.cache/scale}"
RESULTS="${RESULTS:-$HERE/results.csv}"
PNG="${PNG:-$HERE/scale.png}"
DURATION="${DURATION:-15}"
WARMUP="${WARMUP:-3}"
KEEP="${KEEP:-0}"
FORMAT="${FORMAT:-auto}"
READY_TIMEOUT="${READY_TIMEOUT:-1800}"
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(10000 100000 1000000 10000000)

need_built "cargo build --release -p driftless" "$BIN"
[[ -x /usr/bin/time ]] || { say "installing time (Debian package)"; apt-get install -y time >/dev/null; }
ensure_wrk
mkdir -p "$SCALE_DIR"
COMMIT="$(head_commit)"
# The binary's own commit when it was built from a worktree (e.g. /tmp/wt-scale): `driftless
# --version` may not say it, so DRIFTLESS_COMMIT can.
COMMIT="${DRIFTLESS_COMMIT:-$COMMIT}"

# Only the server this script started, by its pid.
trap stop_server EXIT INT TERM

# Can the binary read a gzip-compressed JSONL corpus? (A reader for it is being added.)
if [[ "$FORMAT" == auto ]]; then
  probe="$SCALE_DIR/probe"
  rm -rf "$probe" && mkdir -p "$probe"
  python3 "$HERE/gen_corpus.py" --docs 3 --out "$probe/c.jsonl.gz" 2>/dev/null
  if "$BIN" build --corpus "$probe/c.jsonl.gz" --out "$probe/snap" --force --progress none \
      >"$probe/out.json" 2>"$probe/err" \
      && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["documents"] != 3)' "$probe/out.json"; then
    FORMAT=gz
  else
    FORMAT=jsonl
    say "this binary does not read .jsonl.gz ($(tail -1 "$probe/err" | cut -c1-150)); using plain .jsonl"
  fi
  rm -rf "$probe"
fi
EXT=jsonl; [[ "$FORMAT" == gz ]] && EXT=jsonl.gz

QUERIES="$SCALE_DIR/queries.txt"
python3 "$HERE/gen_corpus.py" --docs 0 --out /dev/null --queries "$QUERIES" 2>/dev/null

# wrk script: rotates through the query file; each thread starts at its own offset (the
# shared part, with the done() hook, is benches/rotate.lua, as for benches/http-load.sh).
LUA="$SCALE_DIR/scale.lua"
rotating_lua "$LUA" <<'LUA'
STRIDE, RPS_FORMAT = 37, "%.1f"
function make_paths(args)
  local unit, file = args[1], args[2]
  local list = {}
  for line in io.lines(file) do
    list[#list + 1] = "/v1/search?mode=bm25&k=10&unit=" .. unit .. "&q=" .. encode(line)
  end
  return list
end
LUA

since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }'; }
kb_of() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/status"; }
# sample_rss TIME_PID FILE: every 0.5 s, "seconds VmRSS RssAnon RssFile" (kB) of the build
# (the child of /usr/bin/time) until it exits. VmHWM alone cannot tell heap from mapped files.
sample_rss() {
  local child="" start=$SECONDS
  for _ in $(seq 1 100); do child=$(pgrep -P "$1" | head -1 || true); [[ -n "$child" ]] && break; sleep 0.05; done
  [[ -n "$child" ]] || return 0
  : >"$2"
  while [[ -r "/proc/$child/status" ]]; do
    awk -v t=$((SECONDS - start)) '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
      END { if (r != "") print t, r, a, f }' "/proc/$child/status" >>"$2" 2>/dev/null || true
    sleep 0.5
  done
}
avail_bytes() { df -B1 --output=avail "$SCALE_DIR" | tail -1 | tr -d ' '; }

for N in "${SIZES[@]}"; do
  D="$SCALE_DIR/$N"
  CORPUS="$D/corpus.$EXT"
  SNAP="$D/snapshot"
  mkdir -p "$D"
  declare -A R=()
  R[size]=$N

  # Disk: about 0.7 KB of plain JSONL (0.3 KB gzipped) per document, the build's sorted runs
  # (zstd level -1, ~0.6 KB), and twice the snapshot (tantivy's final merge writes the merged segment
  # beside the ones it merges: 18 GB for the 9.2 GB snapshot of 10M passages). Bytes per
  # passage of the snapshot from an earlier row when there is one, else 1.5 KB.
  per_passage=$(python3 - "$RESULTS" <<'PY'
import csv, sys
try:
    rows = list(csv.DictReader(open(sys.argv[1])))
    print(int(float(rows[-1]["snapshot_bytes_per_passage"])))
except Exception:
    print(1500)
PY
)
  corpus_per_doc=700; [[ "$FORMAT" == gz ]] && corpus_per_doc=300
  need=$(( N * (corpus_per_doc + 2 * per_passage + 600) ))
  have=$(avail_bytes)
  say "== $N documents: needs about $((need / 1000000)) MB of disk in $SCALE_DIR, $((have / 1000000)) MB free"
  if (( need > have )) && [[ "${FORCE:-0}" != 1 ]]; then
    die "not enough disk for $N documents (FORCE=1 to try anyway)"
  fi

  if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    # 1. corpus (reused when KEEP=1 left one)
    if [[ -f "$CORPUS" && -f "$D/gen_seconds" ]]; then
      say "reusing $CORPUS"
    else
      t0=$(date +%s.%N)
      python3 "$HERE/gen_corpus.py" --docs "$N" --out "$CORPUS" 2>"$D/gen.log" \
        || { cat "$D/gen.log" >&2; die "generating $N documents failed"; }
      tail -1 "$D/gen.log" >&2
      since "$t0" >"$D/gen_seconds"
    fi
    R[gen_seconds]=$(cat "$D/gen_seconds")
    R[corpus_bytes]=$(stat -c %s "$CORPUS")

    # 2. build
    say "building (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    R[build_loadavg_1m]=$(cut -d' ' -f1 /proc/loadavg)
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$D/build.time" "$BIN" build --corpus "$CORPUS" --out "$SNAP" --force \
      --progress lines ${BUILD_ARGS:-} >"$D/build.json" 2>"$D/build.log" &
    TIME_PID=$!
    sample_rss "$TIME_PID" "$D/build.rss" &
    SAMPLER_PID=$!
    wait "$TIME_PID" || { tail -20 "$D/build.log" >&2; cat "$D/build.time" >&2; die "build of $N failed"; }
    wait "$SAMPLER_PID" || true
    eval "$(python3 - "$D/build.json" "$D/build.time" "$D/build.rss" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
samples = [line.split() for line in open(sys.argv[3]) if len(line.split()) == 4]
t = {}
for line in open(sys.argv[2]):
    k, _, v = line.strip().rpartition(": ")
    t[k] = v
def wall(v):
    secs = 0.0
    for part in v.split(":"):
        secs = secs * 60 + float(part)
    return secs
out = {
    "documents": s["documents"], "passages": s["passages"], "skipped": sum(s["skipped"].values()),
    "text_bytes": s["text_bytes"], "build_seconds": round(s["seconds"], 2),
    "build_wall_seconds": round(wall(t["Elapsed (wall clock) time (h:mm:ss or m:ss)"]), 2),
    "build_user_seconds": t["User time (seconds)"], "build_sys_seconds": t["System time (seconds)"],
    "build_passages_per_s": round(s["passages"] / s["seconds"]),
    "build_peak_rss_bytes": s.get("peak_rss_bytes") or "",
    "build_peak_anon_bytes": s.get("peak_anon_bytes") or "",
    "build_time_v_max_rss_bytes": int(t["Maximum resident set size (kbytes)"]) * 1024,
    "snapshot_bytes": s["snapshot_bytes"],
    "snapshot_bytes_per_passage": round(s["snapshot_bytes"] / max(1, s["passages"]), 1),
    "runs": s["runs"], "snapshot_id": s["snapshot_id"],
    # Largest RssAnon (heap) and RssFile (mapped files) seen by the 0.5 s sampler.
    "build_max_rss_anon_bytes": max((int(x[2]) for x in samples), default=0) * 1024,
    "build_max_rss_file_bytes": max((int(x[3]) for x in samples), default=0) * 1024,
}
for k, v in out.items():
    print(f"R[{k}]={v}")
PY
)"
    say "built: ${R[documents]} documents, ${R[passages]} passages in ${R[build_seconds]} s" \
      "(${R[build_passages_per_s]} passages/s), peak RSS $(( R[build_peak_rss_bytes] / 1000000 )) MB" \
      "(anonymous $(( ${R[build_peak_anon_bytes]:-0} / 1000000 )) MB)" \
      "(time -v: $(( R[build_time_v_max_rss_bytes] / 1000000 )) MB; sampled max RssAnon" \
      "$(( R[build_max_rss_anon_bytes] / 1000000 )) MB, RssFile $(( R[build_max_rss_file_bytes] / 1000000 )) MB), snapshot ${R[snapshot_bytes_per_passage]} B/passage"
    if [[ "$KEEP" != 1 ]]; then rm -f "$CORPUS"; fi
  else
    [[ -f "$SNAP/manifest.json" ]] || die "SKIP_BUILD=1 but no snapshot at $SNAP (run with KEEP=1 first)"
    say "SKIP_BUILD=1: serving the kept snapshot $SNAP"
  fi

  # 3. serve
  query_log_args "${LOG:-on}" "$D"
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  serve_ready "$SNAP" "$D" "$READY_TIMEOUT" "${LOG_ARGS[@]}" ${SERVE_ARGS:-}
  R[serve_ready_seconds]=$(since "$t0")
  R[serve_rss_ready_bytes]=$(( $(kb_of VmRSS "$SERVER_PID") * 1024 ))
  say "serving on $BASE after ${R[serve_ready_seconds]} s, RSS $(( R[serve_rss_ready_bytes] / 1000000 )) MB"
  # Cold, then warm: every query once per unit before any warm-up (benches/scale/passes.py),
  # one JSON line per unit.
  : >"$D/passes.jsonl"
  for unit in doc passage; do
    python3 "$HERE/passes.py" "$BASE" "$QUERIES" "$unit" | tee -a "$D/passes.jsonl" >&2
  done
  q=$(head -1 "$QUERIES")
  curl -fsS "$BASE/v1/search?mode=bm25&k=10&unit=doc&q=${q// /%20}" -o "$D/sample.json" \
    || die "sample search failed"

  # 4. load
  R[load_loadavg_1m]=$(cut -d' ' -f1 /proc/loadavg)
  non2xx=0; sockerr=0
  for unit in doc passage; do
    for conc in "1 1" "2 8"; do
      read -r threads conns <<<"$conc"
      declare -A v=()
      wrk_result v "$threads" "$conns" 10s "$LUA" "$BASE" "$unit" "$QUERIES"
      p="${unit}_c${conns}"
      R[${p}_p50_ms]=${v[p50_ms]}; R[${p}_p99_ms]=${v[p99_ms]}; R[${p}_rps]=${v[rps]}
      non2xx=$((non2xx + v[non2xx])); sockerr=$((sockerr + v[socket_errors]))
      say "$(printf '%-8s c=%-2s p50 %8s ms  p99 %8s ms  %8s req/s  (%s requests, %s non-2xx, %s socket errors)' \
        "$unit" "$conns" "${v[p50_ms]}" "${v[p99_ms]}" "${v[rps]}" "${v[requests]}" "${v[non2xx]}" "${v[socket_errors]}")"
    done
  done
  R[non2xx]=$non2xx; R[socket_errors]=$sockerr
  R[serve_rss_bytes]=$(( $(kb_of VmRSS "$SERVER_PID") * 1024 ))
  R[serve_hwm_bytes]=$(( $(kb_of VmHWM "$SERVER_PID") * 1024 ))
  # VmRSS = RssAnon (heap) + RssFile (mapped index files in the page cache) + RssShmem.
  R[serve_rss_anon_bytes]=$(( $(kb_of RssAnon "$SERVER_PID") * 1024 ))
  R[serve_rss_file_bytes]=$(( $(kb_of RssFile "$SERVER_PID") * 1024 ))
  say "server after the load: VmRSS $(( R[serve_rss_bytes] / 1000000 )) MB" \
    "(anon $(( R[serve_rss_anon_bytes] / 1000000 )), file $(( R[serve_rss_file_bytes] / 1000000 ))), VmHWM $(( R[serve_hwm_bytes] / 1000000 )) MB"
  stop_server; SERVER_PID=""
  R[commit]=$COMMIT
  R[date]=$(date -u +%Y-%m-%dT%H:%MZ)
  R[format]=$FORMAT

  # 5. row
  args=()
  for k in "${!R[@]}"; do args+=("$k=${R[$k]}"); done
  python3 "$HERE/report.py" upsert "$RESULTS" "${args[@]}"
  if [[ "$KEEP" != 1 ]]; then rm -rf "$SNAP" "$CORPUS" "$D"/querylog.*; fi
  unset R
done

if [[ "${PLOT:-1}" != 0 ]]; then
  VENV="$ROOT/.cache/bench-venv"
  if ! "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
    say "creating $VENV with matplotlib (PyPI)"
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q matplotlib
  fi
  "$VENV/bin/python" "$HERE/report.py" plot "$RESULTS" "$PNG"
fi
python3 "$HERE/report.py" table "$RESULTS"
