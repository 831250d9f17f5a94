#!/usr/bin/env bash
# The Python package end to end (issue 21):
#   1. the wheel, built from crates/py with maturin pinned from PyPI (a venv in the ignored
#      .cache/python/build-venv), into .cache/python/wheels;
#   2. a fresh venv with only that wheel and the evaluators (ir-measures, pytrec-eval) from
#      PyPI, pinned;
#   3. a dense snapshot of a slice of the PostgreSQL 15 manual and a BM25 snapshot of the
#      Python 3.11 library pages with their judged set, built by the driftless binary;
#   4. `driftless serve` of the dense snapshot, and crates/py/tests/test_package.py: every
#      mode in-process against the server's bytes, fetch, term stats, the HTTP client, and
#      nDCG@10 from ir_measures against `driftless eval`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MATURIN=1.16.0
EVAL_PACKAGES=(ir-measures==0.4.3 pytrec-eval-terrier==0.5.11)
CACHE=${DRIFTLESS_PY_CACHE:-$ROOT/.cache/python}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${DRIFTLESS_BIN:-$TARGET/debug/driftless}
CORPUS=${DRIFTLESS_TEST_CORPUS:-$ROOT/.cache/corpus/default}
MODEL=${DRIFTLESS_MODEL_DIR:-$ROOT/.cache/models/all-MiniLM-L6-v2-int8}
[ -x "$BIN" ] || { echo "error: no driftless binary at $BIN; cargo build -p driftless first" >&2; exit 1; }
[ -d "$CORPUS/postgresql-doc-15" ] || bash corpus-tools/fetch-default-corpus.sh "$CORPUS"
[ -f "$MODEL/model.json" ] || bash corpus-tools/fetch-model.sh "$(dirname "$MODEL")"
export DRIFTLESS_MODEL_DIR=$MODEL
ORT=$(ls "$(dirname "$MODEL")"/onnxruntime/libonnxruntime.so.* 2>/dev/null | head -n 1 || true)
export DRIFTLESS_ORT_LIB=${DRIFTLESS_ORT_LIB:-$ORT}

# 1. The wheel.
BUILD_VENV=$CACHE/build-venv
if [ "$("$BUILD_VENV/bin/maturin" --version 2>/dev/null)" != "maturin $MATURIN" ]; then
  rm -rf "$BUILD_VENV"
  python3 -m venv "$BUILD_VENV"
  "$BUILD_VENV/bin/pip" install -q --disable-pip-version-check "maturin==$MATURIN"
fi
rm -rf "$CACHE/wheels"
echo "python: building the wheel (maturin $MATURIN)"
CARGO_TARGET_DIR=$TARGET "$BUILD_VENV/bin/maturin" build --locked -m crates/py/Cargo.toml \
  --out "$CACHE/wheels" --interpreter python3 2>&1 | grep -E "Built wheel|warning|error" || true
WHEEL=$(ls "$CACHE"/wheels/driftless-*.whl)

# 2. A fresh venv: the wheel and the evaluators, nothing from the source tree.
TEST_VENV=$CACHE/test-venv
python3 -m venv --clear "$TEST_VENV"
PIP_CACHE_DIR=$CACHE/pip "$TEST_VENV/bin/pip" install -q --disable-pip-version-check "$WHEEL" "${EVAL_PACKAGES[@]}"

# 3. Snapshots.
# shellcheck source-path=SCRIPTDIR source=serve-lib.sh
source "$ROOT/scripts/serve-lib.sh"
serve_work_dir
PG="$CORPUS/postgresql-doc-15/usr/share/doc/postgresql-doc-15/html"
mkdir -p "$WORK/pg/postgresql-doc-15/usr/share/doc/postgresql-doc-15/html"
# About 60 pages (the SQL commands from CREATE A… to CREATE T…): enough for every mode,
# small enough to embed in seconds.
cp "$PG"/sql-create[a-t]*.html "$WORK/pg/postgresql-doc-15/usr/share/doc/postgresql-doc-15/html/"
"$BIN" build --dense --progress none --corpus "$WORK/pg" --out "$WORK/dense" > /dev/null
PY="$CORPUS/python3.11-doc/usr/share/doc/python3.11/html"
mkdir -p "$WORK/py/python3.11-doc/usr/share/doc/python3.11/html/library"
cp "$PY/genindex-all.html" "$WORK/py/python3.11-doc/usr/share/doc/python3.11/html/"
cp "$PY"/library/[a-c]*.html "$WORK/py/python3.11-doc/usr/share/doc/python3.11/html/library/"
"$BIN" corpus judged-sets --corpus "$WORK/py" --out "$WORK/judged" --site python-3.11 > /dev/null
"$BIN" build --no-dense --progress none --corpus "$WORK/py" --out "$WORK/bm25" > /dev/null
"$BIN" eval --topics "$WORK/judged/python-3.11.topics.tsv" --qrels "$WORK/judged/python-3.11.qrels" \
  --snapshot "$WORK/bm25" --depth 100 --syntax engine --progress none --format json > "$WORK/eval.json"

# 4. The server and the test.
serve_snapshot "$BIN" "$WORK/dense" "$WORK"
DRIFTLESS_URL="http://$ADDR" DENSE_SNAPSHOT="$WORK/dense" BM25_SNAPSHOT="$WORK/bm25" \
  TOPICS="$WORK/judged/python-3.11.topics.tsv" QRELS="$WORK/judged/python-3.11.qrels" \
  EVAL_JSON="$WORK/eval.json" "$TEST_VENV/bin/python" crates/py/tests/test_package.py
