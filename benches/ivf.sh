#!/usr/bin/env bash
# Dense at scale (issue 14 item 3): IVF vs HNSW over imported vectors, and IVF at 1M passages.
#
# Usage: benches/ivf.sh [SIZES...]      (default: 100000 1000000 passages)
# For each size: the synthetic corpus of benches/scale/gen_corpus.py (one passage per
# document) and synthetic clustered vectors from benches/ivf/gen_vectors.py (seeded; why
# synthetic: embedding 1M passages in-process would take ~6 h here). Then:
#   - `driftless build --vectors … --ann ivf` under /usr/bin/time -v (build seconds, peak RSS);
#   - at sizes ≤ HNSW_MAX (default 100000) the same with `--ann hnsw`, for the comparison;
#   - `driftless eval ann-recall --query-vectors` (QUERIES=300 queries, k=10 and k=100) at several
#     IVF probe counts and at the HNSW beam: recall@k against the exact scan, p50/p99 of one
#     search (one thread, embedding excluded) and the exact scan's q/s, all in the same run.
# Rows go to benches/ivf/results.csv (one per index, size, k and effort).
#
#   DRIFTLESS_BIN   release binary (default $CARGO_TARGET_DIR or target/ + release/driftless)
#   IVF_DIR         work directory (default .cache/ivf, ignored by git); KEEP=1 keeps it
#   PROBES          IVF probe counts to evaluate (default "8 16 32 64 128 256")
#   RESCORES        IVF SQ8 re-score factors to evaluate on the same index (default "8 2 0"; 0
#                   scans the f32 vectors, the index column then reads `ivf`, else `ivf-sq8rN`)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WORK="${IVF_DIR:-$ROOT/.cache/ivf}"
RESULTS="${RESULTS:-$ROOT/benches/ivf/results.csv}"
PROBES="${PROBES:-8 16 32 64 128 256}"
HNSW_MAX="${HNSW_MAX:-100000}"
RESCORES="${RESCORES:-8 2 0}"
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(100000 1000000)

need_built "cargo build --release -p driftless" "$BIN"
[[ -x /usr/bin/time ]] || apt-get install -y time >/dev/null
VENV="$ROOT/.cache/bench-venv"
[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import numpy" 2>/dev/null || "$VENV/bin/pip" install -q "numpy==2.1.3"
COMMIT="$(head_commit)"
mkdir -p "$WORK" "$(dirname "$RESULTS")"
[[ -f "$RESULTS" ]] || echo "index,passages,k,effort,recall_at_k,perfect_queries,queries,ann_p50_ms,ann_p99_ms,ann_qps,exact_qps,build_seconds,build_peak_rss_bytes,build_peak_anon_bytes,build_max_rss_bytes,snapshot_id,loadavg_1m,commit,date" > "$RESULTS"

for N in "${SIZES[@]}"; do
  corpus="$WORK/corpus-$N.jsonl.gz"; vec="$WORK/vec-$N.npy"; queries="$WORK/queries-$N.npy"
  [[ -f "$corpus" ]] || { say "corpus of $N"; python3 "$ROOT/benches/scale/gen_corpus.py" --docs "$N" --out "$corpus" --jobs 2; }
  [[ -f "$vec" ]] || { say "vectors of $N"; "$VENV/bin/python" "$ROOT/benches/ivf/gen_vectors.py" --n "$N" --out "$vec" --queries "$queries"; }
  kinds=(ivf); (( N <= HNSW_MAX )) && kinds+=(hnsw)
  for kind in "${kinds[@]}"; do
    snap="$WORK/snap-$kind-$N"
    say "build $kind of $N passages"
    /usr/bin/time -v "$BIN" build --corpus "$corpus" --out "$snap" --force --progress none --vectors "$vec" \
      --model "$MODEL" --ann "$kind" > "$WORK/build-$kind-$N.json" 2> "$WORK/build-$kind-$N.log"
    read -r secs peak anon id < <(python3 - "$WORK/build-$kind-$N.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(round(s["seconds"], 1), s.get("peak_rss_bytes") or 0, s.get("peak_anon_bytes") or 0, s["snapshot_id"])
PY
)
    maxrss=$(( $(awk '/Maximum resident/ {print $NF}' "$WORK/build-$kind-$N.log") * 1024 ))
    efforts=($PROBES); rescores=($RESCORES); [[ $kind == hnsw ]] && { efforts=(128); rescores=(0); }
    for k in 10 100; do
     for r in "${rescores[@]}"; do
      for e in "${efforts[@]}"; do
        (( k == 100 && e < 100 )) && [[ $kind == hnsw ]] && continue
        json=$("$BIN" eval ann-recall --snapshot "$snap" --query-vectors "$queries" --queries "${QUERIES:-300}" -k "$k" --ef "$e" --rescore "$r" 2>/dev/null)
        load=$(cut -d' ' -f1 /proc/loadavg)
        label=$kind; [[ $kind == ivf && $r != 0 ]] && label="ivf-sq8r$r"
        python3 - "$json" "$label" "$N" "$k" "$secs" "$peak" "$anon" "$maxrss" "$id" "$load" "$COMMIT" >> "$RESULTS" <<'PY'
import json, sys, datetime
r = json.loads(sys.argv[1]); kind, n, k, secs, peak, anon, maxrss, sid, load, commit = sys.argv[2:]
print(",".join(str(x) for x in [kind, n, k, r["ef_search"], round(r["recall_at_k"], 4), r["perfect_queries"],
      r["queries"], round(r["ann_p50_ms"], 3), round(r["ann_p99_ms"], 3), round(r["ann_qps"], 1),
      round(r["exact_qps"], 1), secs, peak, anon, maxrss, sid, load, commit,
      datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")]))
PY
        tail -1 "$RESULTS" >&2
      done
     done
    done
  done
  [[ "${KEEP:-0}" == 1 ]] || rm -rf "$WORK"/snap-*-"$N"
done
