//! The IVF dense index (`--ann ivf`) over imported vectors: recall against the exact scan,
//! the exact answer when every list is probed, reproducible builds on 1 and 2 threads, and
//! filters that hold. Vectors are synthetic (a seeded mixture of clusters on the unit
//! sphere) so the test needs no embedding of thousands of passages; queries through
//! `Snapshot::search` still use the real model and ONNX Runtime.
use std::path::{Path, PathBuf};

use driftless_api::{Mode, SearchRequest, Unit};
use driftless_index::Snapshot;
use driftless_ingest::{AnnChoice, BuildOptions, DenseOptions, IvfCodes, Progress, build};
use driftless_rng::XorShift64Star;
use serde_json::json;

use crate::dense::open;
use crate::external::dense_options;

pub(crate) const DOCS: usize = 3000;
const DIM: usize = 384;
const CLUSTERS: usize = 40;

/// Vectors from driftless-rng's seeded generator, so the data is the same everywhere.
struct Rng(XorShift64Star);

impl Rng {
    /// A float in `[-1, 1)`.
    fn next(&mut self) -> f32 {
        self.0.unit_f32() * 2.0 - 1.0
    }

    fn unit(&mut self, around: Option<&[f32]>, spread: f32) -> Vec<f32> {
        let mut v: Vec<f32> = (0..DIM)
            .map(|i| around.map_or(0.0, |c| c[i]) + spread * self.next())
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        v
    }
}

/// Passage vectors (one passage per document) and query vectors near them.
pub(crate) fn vectors() -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let mut rng = Rng(XorShift64Star::from_state(0x9E37_79B9_7F4A_7C15));
    let centres: Vec<Vec<f32>> = (0..CLUSTERS).map(|_| rng.unit(None, 1.0)).collect();
    let passages = (0..DOCS)
        .map(|i| rng.unit(Some(&centres[i * 7 % CLUSTERS]), 0.06))
        .collect::<Vec<_>>();
    let queries = (0..60)
        .map(|i| rng.unit(Some(&passages[i * 47 % DOCS]), 0.03))
        .collect();
    (passages, queries)
}

pub(crate) fn write_npy(path: &Path, rows: &[Vec<f32>]) {
    let mut header = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {DIM}), }}",
        rows.len()
    );
    let total = 6 + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    for v in rows.iter().flatten() {
        bytes.extend(v.to_le_bytes());
    }
    std::fs::write(path, bytes).expect("write npy");
}

/// The corpus (two sites, for the filter), its vectors with their ids, and the queries.
fn inputs(dir: &Path) -> (PathBuf, PathBuf, Vec<Vec<f32>>) {
    let corpus = dir.join("corpus.jsonl");
    let lines: Vec<String> = (0..DOCS)
        .map(|i| {
            let host = if i % 5 == 0 { "a" } else { "b" };
            json!({"id": format!("d{i:05}"), "url": format!("https://{host}.example.org/{i}"),
                   "title": format!("Page {i}"), "text": format!("page number {i} of the synthetic corpus")})
            .to_string()
        })
        .collect();
    std::fs::write(&corpus, lines.join("\n") + "\n").expect("corpus");
    let (passages, queries) = vectors();
    let npy = dir.join("vectors.npy");
    write_npy(&npy, &passages);
    let ids: Vec<String> = (0..DOCS).map(|i| format!("d{i:05}#0")).collect();
    std::fs::write(
        driftless_ingest::vector_ids_path(&npy),
        ids.join("\n") + "\n",
    )
    .expect("ids");
    (corpus, npy, queries)
}

/// A temporary directory holding the synthetic corpus, its vectors in a `.npy` (with their
/// ids file) and the queries, in which IVF snapshots are built with the real model.
pub(crate) struct Ivf {
    dir: tempfile::TempDir,
    dense: DenseOptions,
    corpus: PathBuf,
    pub npy: PathBuf,
    pub queries: Vec<Vec<f32>>,
}

impl Ivf {
    /// The inputs written; `None` (the test skips) without the model.
    pub(crate) fn prepare() -> Option<Self> {
        let dense = dense_options()?;
        let dir = tempfile::tempdir().expect("tempdir");
        let (corpus, npy, queries) = inputs(dir.path());
        Some(Self {
            dir,
            dense,
            corpus,
            npy,
            queries,
        })
    }

    /// The ids file naming the `.npy`'s rows.
    pub(crate) fn npy_ids(&self) -> Option<PathBuf> {
        Some(driftless_ingest::vector_ids_path(&self.npy))
    }

    /// `name` in the temporary directory.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Builds `name` with an IVF index of 32 lists (4 probed) over `vectors`, whose rows are
    /// named by `ids` (a Parquet file names them itself).
    pub(crate) fn build(
        &self,
        name: &str,
        vectors: &Path,
        ids: Option<PathBuf>,
        codes: IvfCodes,
        workers: usize,
    ) -> Snapshot {
        let out = self.path(name);
        let mut options = BuildOptions::new(&self.corpus, &out);
        options.progress = Progress::Hidden;
        options.threads = workers;
        options.dense = Some(DenseOptions {
            vectors: Some(vectors.to_path_buf()),
            vector_ids: ids,
            ann: AnnChoice::Ivf,
            ivf_lists: Some(32),
            ivf_probe: Some(4),
            ivf_codes: codes,
            workers,
            ..self.dense.clone()
        });
        build(&options).expect("ivf build");
        open(&out, &self.dense)
    }
}

pub(crate) const SQ8: IvfCodes = IvfCodes::Sq8 { rescore: 8 };

#[test]
fn ivf_finds_the_exact_neighbours_reproducibly_and_honours_filters() {
    let Some(ivf) = Ivf::prepare() else { return };
    let one = ivf.build("one", &ivf.npy, ivf.npy_ids(), SQ8, 1);
    let two = ivf.build("two", &ivf.npy, ivf.npy_ids(), SQ8, 2);
    assert_eq!(one.id(), two.id(), "1 and 2 threads give one snapshot");
    for file in [
        "ivf.centroids.f32",
        "ivf.offsets.u64",
        "ivf.ords.u32",
        "ivf.codes.u8",
        "ivf.sq8.f32",
    ] {
        let read = |name: &str| std::fs::read(ivf.path(name).join("dense").join(file)).expect(file);
        assert_eq!(
            read("one"),
            read("two"),
            "{file} differs between 1 and 2 threads"
        );
    }
    let config = one.dense_index().expect("dense").config.clone();
    let lists = config.ivf.expect("an IVF index");
    assert_eq!((lists.lists, lists.probe, config.hnsw_m), (32, 4, 0));

    // Probing 4 of 32 lists of clustered data finds nearly all of the exact top 10 ...
    let queries = &ivf.queries;
    let probed = one
        .ann_recall_for_vectors(queries, 10, Default::default())
        .expect("recall");
    assert_eq!(probed.index, "ivf");
    assert!(
        probed.recall_at_k >= 0.9,
        "recall@10 {} at 4/32 lists",
        probed.recall_at_k
    );
    // ... probing every list through the SQ8 codes finds the exact top 10 among its
    // re-scored candidates, with the exact scores to the bit ...
    let dense_index = one.dense_index().expect("dense");
    let mut found = 0;
    for query in queries {
        let exact = dense_index.exact(query, 10);
        let hits = dense_index.ann_with_ef(query, 10, 32);
        for (ord, score) in &hits {
            let bits = driftless_index::dense::dot(query, dense_index.vector(*ord)).to_bits();
            assert_eq!(score.to_bits(), bits, "shown scores are the f32 ones");
        }
        found += hits.iter().filter(|hit| exact.contains(hit)).count();
    }
    let recall = found as f64 / (10 * queries.len()) as f64;
    assert!(
        recall >= 0.98,
        "SQ8 recall@10 {recall} with every list probed"
    );
    // ... and without codes, probing every list is the exact scan, hit for hit.
    let plain = ivf.build("f32", &ivf.npy, ivf.npy_ids(), IvfCodes::F32, 2);
    let plain_index = plain.dense_index().expect("dense");
    assert!(!ivf.path("f32/dense/ivf.codes.u8").exists());
    for query in queries {
        assert_eq!(
            plain_index.ann_with_ef(query, 10, 32),
            plain_index.exact(query, 10)
        );
    }

    // Filters hold in mode=dense and hybrid: site a holds 1 page in 5.
    for mode in [Mode::Dense, Mode::Hybrid] {
        let request = SearchRequest {
            mode: Some(mode),
            unit: Unit::Passage,
            k: 20,
            ..SearchRequest::new("synthetic page site:a.example.org")
        };
        let body = serde_json::to_value(one.search(&request).expect("search")).expect("json");
        let hits = body["results"].as_array().expect("results");
        assert_eq!(hits.len(), 20, "{mode:?} returns k admitted hits");
        for hit in hits {
            let url = hit["url"].as_str().expect("url");
            assert!(
                url.starts_with("https://a.example.org/"),
                "{mode:?} returned {url}"
            );
        }
        assert_eq!(
            serde_json::to_vec(&one.search(&request).expect("search")).expect("json"),
            serde_json::to_vec(&two.search(&request).expect("search")).expect("json"),
            "same answer from both builds"
        );
    }
}
