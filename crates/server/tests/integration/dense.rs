//! Dense and hybrid answers through the server are the same bytes whatever the number of
//! worker threads and however many requests run at once (the real model and ONNX Runtime,
//! fetched by corpus-tools/fetch-model.sh, which scripts/test.sh runs).
use std::path::Path;

use driftless_ingest::DenseOptions;
use driftless_server::{AppState, ServerConfig, app};

use crate::common::external::dense_options;
use crate::common::{FIXTURE, get};

const URIS: [&str; 6] = [
    "/v1/search?q=how+are+references+checked&mode=dense",
    "/v1/search?q=how+are+references+checked&mode=dense_exact&unit=passage",
    "/v1/search?q=release+notes&mode=hybrid",
    "/v1/search?q=release+notes&mode=hybrid&unit=passage&k=3",
    "/v1/search?q=index+a+table+without+blocking&mode=dense",
    "/v1/search?q=index+a+table+without+blocking&mode=hybrid&fusion_k=10",
];

/// Every URI answered by a server with `workers` threads, all requests in flight at once,
/// three rounds; each body must be the same in every round.
async fn bodies(snapshot_dir: &Path, ort_library: &Path, workers: usize) -> Vec<Vec<u8>> {
    let options = driftless_index::OpenOptions {
        ort_library: ort_library.to_path_buf(),
        ..Default::default()
    };
    let snapshot = driftless_index::Snapshot::open_with(snapshot_dir, &options).expect("open");
    // All six requests queue at once on purpose: a closed loop, which admission by
    // deadline never sheds (cpu_pool.rs), even with a debug build's slow hybrid jobs.
    let config = ServerConfig::with_workers(workers);
    let state = AppState::with_snapshot(snapshot, &config);
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let calls = URIS.iter().map(|uri| get(app(state.clone()), uri));
        let answers = futures_join_all(calls).await;
        let round: Vec<Vec<u8>> = answers
            .into_iter()
            .map(|r| {
                assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
                r.body
            })
            .collect();
        rounds.push(round);
    }
    assert!(
        rounds.windows(2).all(|w| w[0] == w[1]),
        "concurrent rounds differ"
    );
    rounds.swap_remove(0)
}

/// `join_all` without a futures dependency: spawn every call, await them in order.
async fn futures_join_all<F>(calls: impl Iterator<Item = F>) -> Vec<crate::common::TestResponse>
where
    F: std::future::Future<Output = crate::common::TestResponse> + Send + 'static,
{
    let handles: Vec<_> = calls.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("request task"));
    }
    out
}

/// The HTML pages of the shared BM25 fixture rebuilt with dense vectors, in a temporary
/// directory (kept alive by the returned guard), and the snapshot's path.
pub(super) fn dense_fixture(dense: &DenseOptions) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dense");
    let corpus = FIXTURE
        .snapshot_dir
        .parent()
        .expect("fixture root")
        .join("corpus");
    let mut options = driftless_ingest::BuildOptions::new(&corpus, &out);
    options.progress = driftless_ingest::Progress::Hidden;
    options.dense = Some(dense.clone());
    driftless_ingest::build(&options).expect("dense build");
    (dir, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dense_and_hybrid_bodies_do_not_depend_on_worker_threads() {
    let Some(dense) = dense_options() else { return };
    let (_dir, out) = dense_fixture(&dense);

    let one = bodies(&out, &dense.ort_library, 1).await;
    let two = bodies(&out, &dense.ort_library, 2).await;
    assert_eq!(one, two, "1 vs 2 worker threads");
    let hybrid: serde_json::Value = serde_json::from_slice(&one[2]).expect("json");
    assert_eq!(hybrid["mode"], "hybrid");
    assert!(!hybrid["results"].as_array().expect("results").is_empty());
    bounded_costs(&out, &dense.ort_library).await;
}

/// The caps that keep a dense request's cost bounded: the result window of the
/// approximate modes and the exact scan's size.
async fn bounded_costs(snapshot_dir: &Path, ort_library: &Path) {
    let options = driftless_index::OpenOptions {
        ort_library: ort_library.to_path_buf(),
        ..Default::default()
    };
    let snapshot = driftless_index::Snapshot::open_with(snapshot_dir, &options).expect("open");
    let mut config = ServerConfig::with_workers(1);
    config.max_exact_scan = 1;
    let state = AppState::with_snapshot(snapshot, &config);
    let deep = get(
        app(state.clone()),
        "/v1/search?q=release&mode=dense&offset=995&k=10",
    )
    .await;
    assert_eq!(deep.status, 400);
    assert!(
        deep.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 1000")
    );
    let bm25_deep = get(
        app(state.clone()),
        "/v1/search?q=release&mode=bm25&offset=995&k=10",
    )
    .await;
    assert_eq!(bm25_deep.status, 200, "BM25 pages deeper");
    let exact = get(app(state.clone()), "/v1/search?q=release&mode=dense_exact").await;
    assert_eq!(exact.status, 400);
    assert_eq!(exact.error_code(), "mode_unavailable");
    assert!(
        exact.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-exact-scan")
    );
    let approximate = get(app(state), "/v1/search?q=release&mode=dense").await;
    assert_eq!(approximate.status, 200);
}

/// `--export-vectors` then `--vectors`: a build that imports the vectors our own embedder
/// wrote answers every dense and hybrid request with the same bytes (same snapshot id) as
/// the build that embedded them; a shuffled `.npy` is matched back by its ids file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_vectors_answer_like_the_in_process_build() {
    let Some(dense) = dense_options() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let npy = dir.path().join("passages.npy");
    let exporting = DenseOptions {
        export: Some(npy.clone()),
        ..dense.clone()
    };
    let (_embedded_dir, embedded) = dense_fixture(&exporting);
    let ids = driftless_ingest::vector_ids_path(&npy);
    assert!(
        npy.is_file() && ids.is_file(),
        "export wrote {npy:?} and {ids:?}"
    );

    let corpus = FIXTURE.snapshot_dir.parent().expect("root").join("corpus");
    let import = |vectors: &Path, vector_ids: Option<&Path>, name: &str| {
        let out = dir.path().join(name);
        let mut options = driftless_ingest::BuildOptions::new(&corpus, &out);
        options.progress = driftless_ingest::Progress::Hidden;
        options.dense = Some(DenseOptions {
            vectors: Some(vectors.to_path_buf()),
            vector_ids: vector_ids.map(Path::to_path_buf),
            ..dense.clone()
        });
        let summary = driftless_ingest::build(&options).expect("import build");
        (out, summary.snapshot_id)
    };
    let (imported, imported_id) = import(&npy, None, "imported");
    let embedded_id = driftless_index::Snapshot::read_manifest(&embedded)
        .expect("manifest")
        .snapshot_id;
    assert_eq!(imported_id, embedded_id, "the vectors' digest is the same");
    let want = bodies(&embedded, &dense.ort_library, 2).await;
    assert_eq!(bodies(&imported, &dense.ort_library, 2).await, want);

    // The same vectors in reverse row order, with their ids reversed too.
    let (shuffled, shuffled_ids) = reversed(&npy, &ids, dir.path());
    let (reordered, reordered_id) = import(&shuffled, Some(&shuffled_ids), "reordered");
    assert_eq!(reordered_id, embedded_id);
    assert_eq!(bodies(&reordered, &dense.ort_library, 2).await, want);

    // Without ids, reversed rows are the wrong vectors: a different snapshot, not an error.
    let (_, wrong_id) = import(&shuffled, None, "unmatched");
    assert_ne!(wrong_id, embedded_id);
}

/// A copy of `npy` (v1.0 header, f32 rows) with its rows and ids in reverse order.
fn reversed(npy: &Path, ids: &Path, dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let bytes = std::fs::read(npy).expect("npy");
    let header = 10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let text = std::fs::read_to_string(ids).expect("ids");
    let lines: Vec<&str> = text.lines().collect();
    let row = (bytes.len() - header) / lines.len();
    let mut out = bytes[..header].to_vec();
    for chunk in bytes[header..].chunks_exact(row).rev() {
        out.extend_from_slice(chunk);
    }
    let (npy_out, ids_out) = (dir.join("reversed.npy"), dir.join("reversed.ids"));
    std::fs::write(&npy_out, out).expect("write npy");
    let reversed: Vec<&str> = lines.into_iter().rev().collect();
    std::fs::write(&ids_out, reversed.join("\n") + "\n").expect("write ids");
    (npy_out, ids_out)
}
