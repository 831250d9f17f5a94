#!/usr/bin/env bash
# Side-by-side peer run (not in CI): driftless against FastAPI + Pyserini BM25 (Search-R1's
# retrieval server shape) on the same corpus and machine.
#
# Usage: benches/peer/run.sh            (~10 min the first time: venv, Lucene index)
#   DRIFTLESS_PEER_CORPUS     corpus dir (default .cache/corpus/default; fetched if missing)
#   DRIFTLESS_BENCH_SNAPSHOT  BM25 snapshot of it (default .cache/snapshots/default; built if missing)
#   DURATION / WARMUP         seconds per load run / warm-up (default 10 / 2)
#   PEER_SKIP_EVAL=1 / PEER_SKIP_LOAD=1   run only one half
#
# 1. effectiveness: Pyserini BM25 (k1 0.9, b 0.4) and driftless BM25 (unit=doc, same k1/b)
#    on the Python 3.11 and Django 3.2 judged sets, both scored by `driftless eval --run`;
# 2. load, like for like: `driftless corpus export-jsonl --passages` writes the passages the
#    snapshot serves (its ids, `"<title>"\n<text>` as /retrieve's `contents`), Anserini indexes
#    them, and the peer answers /retrieve with those records; wrk on loopback posts Search-R1's
#    /retrieve body (topk 3 and 10) to both at concurrency 1, 8, 32: p50/p99, requests/s,
#    response body bytes (the same query list, measured with curl first) and the ratios.
# Everything it makes lives in .cache/peer (ignored); versions are pinned in requirements.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/benches/peer"
CACHE="$ROOT/.cache/peer"
VENV="$ROOT/.cache/peer-venv"
CORPUS="${DRIFTLESS_PEER_CORPUS:-$ROOT/.cache/corpus/default}"
SNAP="${DRIFTLESS_BENCH_SNAPSHOT:-$ROOT/.cache/snapshots/default}"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/driftless"
DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-2}"
mkdir -p "$CACHE"

[[ -x "$BIN" ]] || (cd "$ROOT" && cargo build --release -p driftless)
[[ -d "$CORPUS" ]] || bash "$ROOT/corpus-tools/fetch-default-corpus.sh" "$CORPUS"
[[ -f "$SNAP/manifest.json" ]] || "$BIN" build --corpus "$CORPUS" --out "$SNAP" --progress lines >/dev/null
command -v wrk >/dev/null || { apt-get update >/dev/null; apt-get install -y wrk >/dev/null; }
if ! command -v java >/dev/null; then apt-get update >/dev/null; apt-get install -y openjdk-17-jdk-headless >/dev/null; fi
export JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"

if [[ ! -f "$VENV/.peer-ready" ]] || ! cmp -s "$HERE/requirements.txt" "$VENV/.peer-ready"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps "$(grep '^pyserini==' "$HERE/requirements.txt")"
  "$VENV/bin/pip" install -q --disable-pip-version-check $(grep -v '^#\|^pyserini==' "$HERE/requirements.txt")
  cp "$HERE/requirements.txt" "$VENV/.peer-ready"
fi
PY="$VENV/bin/python"
JAR="$(ls "$VENV"/lib/python3*/site-packages/pyserini/resources/jars/anserini-*-fatjar.jar)"

# Effectiveness: same documents, same ids, same text (title, blank line, text: the field
# driftless scores at unit=doc).
if [[ "${PEER_SKIP_EVAL:-0}" != 1 && ! -f "$CACHE/index/.done" ]]; then
  mkdir -p "$CACHE/collection"
  "$BIN" corpus export-jsonl --corpus "$CORPUS" --out "$CACHE/collection/docs.jsonl"
  rm -rf "$CACHE/index"
  # What `python -m pyserini.index.lucene` runs, called directly.
  java -cp "$JAR" io.anserini.index.IndexCollection -collection JsonCollection \
    -input "$CACHE/collection" -index "$CACHE/index" -generator DefaultLuceneDocumentGenerator \
    -threads 2 -storePositions -storeDocvectors -storeRaw >"$CACHE/index.log" 2>&1
  touch "$CACHE/index/.done"
fi

# The passages the snapshot serves, split with its passage budget; re-indexed when it changes.
SNAP_ID="$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["snapshot_id"], m["build"]["passage_max_tokens"])' "$SNAP/manifest.json")"
if [[ "$(cat "$CACHE/index-passages/.done" 2>/dev/null)" != "$SNAP_ID" ]]; then
  mkdir -p "$CACHE/passages"
  "$BIN" corpus export-jsonl --passages --passage-tokens "${SNAP_ID#* }" --corpus "$CORPUS" \
    --out "$CACHE/passages/passages.jsonl"
  rm -rf "$CACHE/index-passages"
  java -cp "$JAR" io.anserini.index.IndexCollection -collection JsonCollection \
    -input "$CACHE/passages" -index "$CACHE/index-passages" -generator DefaultLuceneDocumentGenerator \
    -threads 2 -storePositions -storeDocvectors -storeRaw >"$CACHE/index-passages.log" 2>&1
  echo "$SNAP_ID" >"$CACHE/index-passages/.done"
fi

if [[ "${PEER_SKIP_EVAL:-0}" != 1 ]]; then
  "$BIN" corpus judged-sets --corpus "$CORPUS" --out "$CACHE/judged" 2>/dev/null
  echo "== effectiveness: BM25 k1 0.9 b 0.4, unit=doc, depth 100"
  for set in python-3.11 django-3.2; do
    T="$CACHE/judged/$set.topics.tsv"; Q="$CACHE/judged/$set.qrels"
    for form in plain raw; do
      "$PY" "$HERE/pyserini_run.py" "$CACHE/index" "$T" "$CACHE/pyserini-$set-$form.run" "$form"
    done
    "$BIN" eval --topics "$T" --qrels "$Q" --snapshot "$SNAP" --mode bm25 --unit doc --k1 0.9 --b 0.4 \
      --runs-dir "$CACHE/runs-$set" --progress none >"$CACHE/driftless-$set.txt"
    echo "-- $set"; cat "$CACHE/driftless-$set.txt"
    "$BIN" eval --topics "$T" --qrels "$Q" --run "$CACHE/pyserini-$set-plain.run" --run "$CACHE/pyserini-$set-raw.run"
  done
fi
[[ "${PEER_SKIP_LOAD:-0}" == 1 ]] && exit 0
exec "$HERE/load.sh" "$BIN" "$SNAP" "$PY" "$CACHE/index-passages" "$DURATION" "$WARMUP" \
  "$CACHE/passages/passages.jsonl"
