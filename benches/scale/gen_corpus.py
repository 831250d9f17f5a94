#!/usr/bin/env python3
"""Synthetic corpus for the scale benchmark (benches/scale.sh). Python 3 standard library only.

Writes N documents, one JSON object a line, `{"id", "url", "title", "text"}` (the JSONL shape
`driftless build` reads), and optionally a file of queries drawn from the same vocabulary.

The text is not language. It is made so that posting lists look like those of real text:

- a vocabulary of V (default 50,000) pseudo-words made of consonant-vowel syllables; the
  frequent ranks are the short words (300 three-letter words, then five-letter, then
  seven-letter ones), as in natural language. Every word ends in one of `b k p z`, so an
  English stemmer leaves it whole, and none is an English stop word;
- word frequencies follow Zipf's law (p(rank) ~ 1 / rank^s, s = 1.0 by default), drawn
  independently for every position (no topics or burstiness: documents do not cluster);
- 90-130 words a document (mean ~110) in sentences of 6-14 words ending with a period, cut
  so that the text stays within 196 tokens of driftless's token estimate (a run of letters
  costs ceil(len / 3), a period 1), so every document is exactly one passage at the default
  200-token passage budget: passages = documents.

Deterministic: the same seed gives byte-identical output (gzip with mtime 0) for any number
of --jobs (documents are made in chunks of 50,000, each from its own seeded generator, and
written in order), and the first n documents of a larger corpus are the corpus of n documents. Queries come from their own
generator, so they are the same for every corpus size.

Queries (default 200): 2-4 words; the first is a frequent word (rank 10-1,000, log-uniform:
document frequency from ~60 % down to ~1 % of documents), each further word is frequent or
rare (rank 1,000-V) with equal odds.

Usage:
  gen_corpus.py --docs 1000000 --out corpus.jsonl[.gz] [--queries queries.txt] [--seed 14]
An output name ending in .gz is written with gzip level 1.
"""
import argparse
import gzip
import math
import multiprocessing
import random
import sys
import time
from contextlib import nullcontext
from itertools import accumulate

CONSONANTS = "bdfghklmnprstvz"  # 15
VOWELS = "aeiou"  # 5
FINALS = "bkpz"  # final consonants that no English suffix rule strips
MAX_TOKENS = 196  # passage budget 200, minus a margin


def vocabulary(size, rng):
    """`size` distinct pseudo-words ordered by rank (shortest first), shuffled within a length."""
    words = []
    syllables = [c + v for c in CONSONANTS for v in VOWELS]  # 75
    n_syl = 1
    while len(words) < size:
        # All words of n_syl syllables + a final consonant, in a seeded order.
        level = [""]
        for _ in range(n_syl):
            level = [w + s for w in level for s in syllables]
        level = [w + f for w in level for f in FINALS]
        rng.shuffle(level)
        words.extend(level[: size - len(words)])
        n_syl += 1
    return words


def token_cost(word):
    return math.ceil(len(word) / 3)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, required=True, help="number of documents")
    ap.add_argument("--out", required=True, help="output .jsonl or .jsonl.gz ('-' for stdout)")
    ap.add_argument("--queries", help="also write this many --n-queries queries here, one a line")
    ap.add_argument("--n-queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--vocab", type=int, default=50_000)
    ap.add_argument("--zipf-s", type=float, default=1.0)
    ap.add_argument("--min-words", type=int, default=90)
    ap.add_argument("--max-words", type=int, default=130)
    ap.add_argument("--jobs", type=int, default=multiprocessing.cpu_count(), help="processes (default: one per core)")
    args = ap.parse_args()

    words = vocabulary(args.vocab, random.Random(args.seed))
    cost = {w: token_cost(w) for w in words}
    cum = list(accumulate(1.0 / (r ** args.zipf_s) for r in range(1, args.vocab + 1)))

    if args.queries:
        qrng = random.Random(args.seed + 1)
        lo_f, hi_f = math.log(10), math.log(1000)
        lo_r, hi_r = math.log(1000), math.log(args.vocab)

        def rank(lo, hi):
            return min(args.vocab, max(1, int(math.exp(qrng.uniform(lo, hi)))))

        with open(args.queries, "w") as q:
            seen = set()
            while len(seen) < args.n_queries:
                n = qrng.randint(2, 4)
                ranks = [rank(lo_f, hi_f)]
                for _ in range(n - 1):
                    ranks.append(rank(lo_f, hi_f) if qrng.random() < 0.5 else rank(lo_r, hi_r))
                query = " ".join(words[r - 1] for r in ranks)
                if query not in seen:
                    seen.add(query)
                    q.write(query + "\n")

    if args.out == "-":
        out = sys.stdout.buffer
    elif args.out.endswith(".gz"):
        out = gzip.GzipFile(filename="", mode="wb", compresslevel=1, mtime=0,
                            fileobj=open(args.out, "wb"))
    else:
        out = open(args.out, "wb", buffering=1 << 20)
    global WORDS, COST, CUM, ARGS
    WORDS, COST, CUM, ARGS = words, cost, cum, args
    started = time.monotonic()
    total_words = 0
    chunks = [(c, min(CHUNK, args.docs - c * CHUNK)) for c in range((args.docs + CHUNK - 1) // CHUNK)]
    jobs = max(1, min(args.jobs, len(chunks)))
    # Chunks are generated in parallel (each from its own seed) and written in order.
    with multiprocessing.get_context("fork").Pool(jobs) if jobs > 1 else nullcontext() as pool:
        results = pool.imap(chunk, chunks) if pool else map(chunk, chunks)
        for c, (data, n_words) in enumerate(results):
            out.write(data)
            total_words += n_words
            done = min(args.docs, (c + 1) * CHUNK)
            if args.docs >= 2_000_000 and done % 1_000_000 == 0:
                rate = done / (time.monotonic() - started)
                print(f"gen_corpus: {done} documents, {rate:.0f}/s", file=sys.stderr)
    if out is not sys.stdout.buffer:
        fileobj = getattr(out, "fileobj", None)
        out.close()
        if fileobj is not None:
            fileobj.close()
    seconds = time.monotonic() - started
    print(
        f"gen_corpus: {args.docs} documents, {total_words / max(1, args.docs):.1f} words/doc, "
        f"{seconds:.1f}s ({args.docs / max(seconds, 1e-9):.0f} docs/s, {jobs} processes)",
        file=sys.stderr,
    )


CHUNK = 50_000  # documents per chunk; chunk c's generator is seeded with (seed, c)
WORDS = COST = CUM = ARGS = None


def chunk(spec):
    """JSONL bytes of documents c*CHUNK .. c*CHUNK+n-1, and their number of words."""
    c, n_docs = spec
    words, cost, cum, args = WORDS, COST, CUM, ARGS
    rng = random.Random(f"{args.seed}/{c}")
    choices, randint = rng.choices, rng.randint
    total_words = 0
    lines = []
    for i in range(c * CHUNK, c * CHUNK + n_docs):
        n = randint(args.min_words, args.max_words)
        body = choices(words, cum_weights=cum, k=n)
        cuts = []
        at = 0
        while at < n:
            at += randint(6, 14)
            cuts.append(min(at, n))
        # Trim whole words from the end until the estimate fits (each sentence adds a period).
        tokens = sum(map(cost.__getitem__, body)) + len(cuts)
        while tokens > MAX_TOKENS:
            tokens -= cost[body.pop()]
            if cuts[-1] > len(body):
                cuts[-1] = len(body)
                if len(cuts) > 1 and cuts[-1] <= cuts[-2]:
                    cuts.pop()
                    tokens -= 1
        sentences = []
        start = 0
        for end in cuts:
            s = body[start:end]
            s[0] = s[0].capitalize()
            sentences.append(" ".join(s) + ".")
            start = end
        total_words += len(body)
        title = " ".join(choices(words, cum_weights=cum, k=randint(3, 6))).capitalize()
        # Words are [a-z]+ only, so the line needs no JSON escaping.
        lines.append(
            f'{{"id":"syn-{i:08d}","url":"https://synthetic.example/doc/{i}",'
            f'"title":"{title}","text":"{" ".join(sentences)}"}}\n'
        )
    return "".join(lines).encode(), total_words


if __name__ == "__main__":
    main()
