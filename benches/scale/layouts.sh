#!/usr/bin/env bash
# The two snapshot layouts of a passage corpus, side by side (issue 14: BM25 build speed).
#
# Usage: benches/scale/layouts.sh [SIZES...]     (default: 1000000 documents)
#
# For each size, benches/scale.sh builds and serves the same synthetic corpus (one passage
# per document, benches/scale/gen_corpus.py) twice with the same binary, one run after the
# other: first with `--passage-index separate` (a document index and a passage index, the
# layout every snapshot had before), then with the default (`auto`: one shared index written
# by both build threads). Rows go to benches/scale/layouts-separate.csv and
# layouts-shared.csv (scale.sh's columns); a table of both is printed at the end. The corpus
# and the shared snapshot are kept (KEEP=1) under SCALE_DIR, so a later scale.sh run of the
# same size reuses them. Every variable of scale.sh applies (DRIFTLESS_BIN, SCALE_DIR,
# DURATION, WARMUP, FORCE, ...).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(1000000)

for N in "${SIZES[@]}"; do
  KEEP=1 PLOT=0 RESULTS="$HERE/layouts-separate.csv" BUILD_ARGS="--passage-index separate" \
    bash "$HERE/../scale.sh" "$N"
  KEEP=1 PLOT=0 RESULTS="$HERE/layouts-shared.csv" BUILD_ARGS="--passage-index auto" \
    bash "$HERE/../scale.sh" "$N"
done

python3 - "$HERE/layouts-separate.csv" "$HERE/layouts-shared.csv" <<'PY'
import csv, sys

def rows(path):
    with open(path, newline="") as f:
        return {r["size"]: r for r in csv.DictReader(f)}

separate, shared = rows(sys.argv[1]), rows(sys.argv[2])
cols = [
    ("build s", "build_seconds", "{:.1f}"),
    ("passages/s", "build_passages_per_s", "{:,.0f}"),
    ("VmHWM MB", "build_peak_rss_bytes", "{:,.0f}", 1e6),
    ("B/passage", "snapshot_bytes_per_passage", "{:,.0f}"),
    ("doc p50/p99 ms c=1", ("doc_c1_p50_ms", "doc_c1_p99_ms"), "{} / {}"),
    ("passage p50/p99 ms c=1", ("passage_c1_p50_ms", "passage_c1_p99_ms"), "{} / {}"),
    ("doc req/s c=8", "doc_c8_rps", "{:,.0f}"),
    ("passage req/s c=8", "passage_c8_rps", "{:,.0f}"),
    ("server RSS MB", "serve_rss_bytes", "{:,.0f}", 1e6),
]
print("| size | layout | " + " | ".join(c[0] for c in cols) + " |")
print("|" + "---|" * (len(cols) + 2))
for size in sorted(set(separate) & set(shared), key=int):
    for name, row in (("separate", separate[size]), ("shared", shared[size])):
        cells = []
        for col in cols:
            key, fmt = col[1], col[2]
            if isinstance(key, tuple):
                cells.append(fmt.format(*(row[k] for k in key)))
            else:
                scale = col[3] if len(col) > 3 else 1
                cells.append(fmt.format(float(row[key]) / scale) if row[key] else "")
        print(f"| {int(size):,} | {name} | " + " | ".join(cells) + " |")
    a, b = float(separate[size]["build_seconds"]), float(shared[size]["build_seconds"])
    print(f"\nsize {int(size):,}: shared builds in {b / a:.2f}x the separate build's time "
          f"({a:.1f} s -> {b:.1f} s, same corpus, same binary, consecutive runs)")
PY
