#!/usr/bin/env bash
# The shipped embedding models side by side (issue 15): one dense snapshot of the Django pages
# per model, then the Django judged set over all of them in one `driftless eval` run (BM25,
# dense, hybrid; doc unit) and the query-embedding median of `eval ann-recall`.
#
#   benches/models.sh [OUT_DIR]      (default .cache/bench-models)
#
# Needs a release binary (DRIFTLESS_BIN, default target/release/driftless), the default corpus
# (DRIFTLESS_TEST_CORPUS or .cache/corpus/default) and python3. Prints a Markdown table;
# everything it measured stays in OUT_DIR (build logs, eval.json, ann-*.json).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-.cache/bench-models}
BIN=${DRIFTLESS_BIN:-${CARGO_TARGET_DIR:-target}/release/driftless}
CORPUS=${DRIFTLESS_TEST_CORPUS:-.cache/corpus/default}
MODELS_DEST=${DRIFTLESS_MODELS_DEST:-$HOME/.cache/driftless/models}
MODELS=(all-MiniLM-L6-v2-int8 paraphrase-MiniLM-L3-v2 multilingual-e5-small-q4)
SITE=python-django-doc/

[ -x "$BIN" ] || { echo "error: no release binary at $BIN: cargo build --release -p driftless" >&2; exit 1; }
bash corpus-tools/fetch-default-corpus.sh "$CORPUS" >/dev/null
bash corpus-tools/fetch-model.sh "$MODELS_DEST" "${MODELS[@]}" >/dev/null
mkdir -p "$OUT"
[ -f "$OUT/judged/django-3.2.qrels" ] ||
  "$BIN" corpus judged-sets --corpus "$CORPUS" --out "$OUT/judged" >/dev/null

snapshots=()
for model in "${MODELS[@]}"; do
  snap="$OUT/snap-$model"
  if [ ! -f "$snap/manifest.json" ]; then
    start=$(date +%s.%N)
    # One build at a time, every core: the embedding throughput is the model's.
    "$BIN" build --corpus "$CORPUS" --include "$SITE" --out "$snap" --force \
      --model "$MODELS_DEST/$model" --progress none 2> "$OUT/build-$model.log"
    end=$(date +%s.%N)
    python3 -c "print($end - $start)" > "$OUT/build-$model.seconds"
  fi
  "$BIN" eval ann-recall --snapshot "$snap" --queries 300 > "$OUT/ann-$model.json" 2>/dev/null
  snapshots+=(--snapshot "$snap")
done

"$BIN" eval --topics "$OUT/judged/django-3.2.topics.tsv" --qrels "$OUT/judged/django-3.2.qrels" \
  "${snapshots[@]}" --mode bm25,dense,hybrid --unit doc --depth 100 --format json \
  --progress none > "$OUT/eval.json"

python3 - "$OUT" "${MODELS[@]}" <<'PY'
import json, sys
out, models = sys.argv[1], sys.argv[2:]
reports = json.load(open(f"{out}/eval.json"))
print("| model | passages | build s | passages/s | query embed p50 ms | mode | nDCG@10 | R@100 | MRR@10 | p50 ms |")
print("|---|---|---|---|---|---|---|---|---|---|")
for model, report in zip(models, reports):
    manifest = json.load(open(f"{out}/snap-{model}/manifest.json"))
    passages = manifest["counts"]["passages"]
    seconds = float(open(f"{out}/build-{model}.seconds").read())
    ann = json.load(open(f"{out}/ann-{model}.json"))
    for c in report["configs"]:
        m = c["measures"]
        print(f"| {model} | {passages} | {seconds:.0f} | {passages / seconds:.1f} | "
              f"{ann['embed_median_ms']:.2f} | {c['config']['mode']} | {m['ndcg_10']:.4f} | "
              f"{m['recall_100']:.4f} | {m['mrr_10']:.4f} | {c['timing']['p50_ms']:.2f} |")
PY
