#!/usr/bin/env python3
"""Synthetic passage and query vectors for the IVF benchmark (benches/ivf.sh). Needs numpy.

SYNTHETIC, documented as such: real embeddings of N passages would take N / ~50 seconds to
compute on this 2-core box (1M passages: ~6 hours), so the 1M-vector benchmark imports these
instead, the way a user imports vectors made elsewhere (`driftless build --vectors`).

Shape of the data, chosen to look like sentence embeddings rather than uniform noise (on which
no ANN index has structure to exploit): C cluster centres uniform on the 384-d unit sphere,
cluster sizes from a Zipf law (s = 1.1), each vector = its centre + isotropic Gaussian noise,
L2-normalised. With sigma = 0.045 per dimension (measured on 5,000 vectors) a query's
cosine to its nearest passage is about 0.64, to its 10th about 0.61 and to a random passage
about 0, as for passages on one topic. Queries are other draws from the same clusters (not
copies of passages), so a query's nearest neighbours are its cluster's passages.

Deterministic: numpy's PCG64 with a fixed seed; vectors are written in chunks so 1M x 384
(1.5 GB) needs ~200 MB of memory. Output: `<out>.npy` (float32, (N, 384)) with
`<out>.npy.ids.txt` (`syn-%08d#0`, the passage ids of benches/scale/gen_corpus.py's corpus,
one passage per document) and `<queries>.npy`.

Usage: gen_vectors.py --n 1000000 --out vec.npy --queries q.npy [--nq 1000] [--seed 14]
"""
import argparse

import numpy as np

DIM = 384


def npy_header(rows: int) -> bytes:
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, DIM)
    total = 6 + 4 + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()


def draw(rng, centres, labels, sigma):
    v = centres[labels] + rng.normal(0.0, sigma, size=(len(labels), DIM))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.astype("<f4")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--nq", type=int, default=1000)
    ap.add_argument("--clusters", type=int, default=0, help="default: n / 200")
    ap.add_argument("--sigma", type=float, default=0.045)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    rng = np.random.Generator(np.random.PCG64(args.seed))
    clusters = args.clusters or max(args.n // 200, 1)
    centres = rng.normal(size=(clusters, DIM))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    weights = 1.0 / np.arange(1, clusters + 1) ** 1.1
    weights /= weights.sum()
    with open(args.out, "wb") as out:
        out.write(npy_header(args.n))
        for start in range(0, args.n, 100_000):
            count = min(100_000, args.n - start)
            labels = rng.choice(clusters, size=count, p=weights)
            out.write(draw(rng, centres, labels, args.sigma).tobytes())
    with open(args.out + ".ids.txt", "w") as ids:
        ids.writelines("syn-%08d#0\n" % i for i in range(args.n))
    labels = rng.choice(clusters, size=args.nq, p=weights)
    with open(args.queries, "wb") as out:
        out.write(npy_header(args.nq))
        out.write(draw(rng, centres, labels, args.sigma).tobytes())


if __name__ == "__main__":
    main()
