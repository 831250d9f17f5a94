//! Dense and hybrid retrieval with the real model and ONNX Runtime (fetched by
//! corpus-tools/fetch-model.sh, which scripts/test.sh runs).
use driftless_api::{Mode, SearchRequest, Unit};
use driftless_index::Snapshot;
use driftless_ingest::{BuildOptions, DenseOptions, Progress, build};

use crate::common::write_jsonl;
use crate::external::dense_options;

const DOCS: [(&str, &str, &str); 6] = [
    (
        "pg-unique",
        "Unique Constraints",
        "Unique constraints ensure that the data contained in a column, or a group of columns, is unique among all the rows in the table.",
    ),
    (
        "pg-vacuum",
        "VACUUM",
        "VACUUM reclaims storage occupied by dead tuples left behind by updates and deletes.",
    ),
    (
        "pg-index",
        "CREATE INDEX",
        "CREATE INDEX constructs an index on the specified column of a table; CONCURRENTLY avoids blocking writes.",
    ),
    (
        "git-rebase",
        "git-rebase",
        "Reapply commits on top of another base tip, rewriting the branch history.",
    ),
    (
        "py-subprocess",
        "subprocess",
        "The subprocess module allows you to spawn new processes and obtain their return codes.",
    ),
    (
        "dj-models",
        "Models",
        "A model is the single, definitive source of information about your data: fields and behaviors.",
    ),
];

fn build_dense(dir: &std::path::Path, name: &str, dense: &DenseOptions) -> Snapshot {
    let corpus = write_jsonl(dir, &DOCS);
    let out = dir.join(name);
    let mut options = BuildOptions::new(&corpus, &out);
    options.progress = Progress::Hidden;
    options.dense = Some(dense.clone());
    build(&options).expect("dense build");
    open(&out, dense)
}

pub(crate) fn open(dir: &std::path::Path, dense: &DenseOptions) -> Snapshot {
    let options = driftless_index::OpenOptions {
        ort_library: dense.ort_library.clone(),
        ..Default::default()
    };
    Snapshot::open_with(dir, &options).expect("open dense snapshot")
}

/// Every dense mode and unit over a few queries.
fn answers(s: &Snapshot) -> Vec<Vec<u8>> {
    let queries = [
        "garbage collection of old rows",
        "rewrite history",
        "how do I make a column unique",
        "database schema definition",
    ];
    let mut out = Vec::new();
    for q in queries {
        for mode in [Mode::Dense, Mode::DenseExact, Mode::Hybrid] {
            for unit in [Unit::Doc, Unit::Passage] {
                out.push(body(s, q, mode, unit));
            }
        }
    }
    out
}

fn body(s: &Snapshot, q: &str, mode: Mode, unit: Unit) -> Vec<u8> {
    let request = SearchRequest {
        mode: Some(mode),
        unit,
        k: 6,
        ..SearchRequest::new(q)
    };
    serde_json::to_vec(&s.search(&request).expect("search")).expect("json")
}

#[test]
fn semantic_queries_find_meaning_and_answers_are_reproducible() {
    let Some(dense) = dense_options() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let one = build_dense(dir.path(), "one", &dense);
    assert_eq!(one.default_mode(), Mode::Hybrid);
    let q = "how do I make a column unique";
    for mode in [Mode::Dense, Mode::DenseExact, Mode::Hybrid] {
        let response = one
            .search(&SearchRequest {
                mode: Some(mode),
                ..SearchRequest::new(q)
            })
            .expect("search");
        assert_eq!(
            response.results[0].doc_id, "pg-unique",
            "{mode}: {:?}",
            response.results
        );
        assert_eq!(response.mode, mode);
    }
    // A query with no shared words still finds its document by meaning.
    let response = one
        .search(&SearchRequest {
            mode: Some(Mode::Dense),
            ..SearchRequest::new("launch a child program and wait for its exit status")
        })
        .expect("search");
    assert_eq!(response.results[0].doc_id, "py-subprocess");

    let first = answers(&one);
    assert_eq!(first, answers(&one), "asked twice");
    let two = build_dense(dir.path(), "two", &dense);
    assert_eq!(one.id(), two.id(), "two builds, one snapshot id");
    assert_eq!(first, answers(&two), "second build");
    drop(one);
    let reopened = open(&dir.path().join("one"), &dense);
    assert_eq!(first, answers(&reopened), "after reopen");

    // Concurrent searches give the same bodies as serial ones.
    let reopened = std::sync::Arc::new(reopened);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let s = std::sync::Arc::clone(&reopened);
            std::thread::spawn(move || answers(&s))
        })
        .collect();
    for thread in threads {
        assert_eq!(first, thread.join().expect("thread"), "under concurrency");
    }

    let manifest = reopened.manifest();
    let dense_info = manifest.build.dense.as_ref().expect("dense recorded");
    assert_eq!(dense_info["dim"], 384);
    assert_eq!(dense_info["truncated_passages"], 0);
    let report = reopened
        .ann_recall(
            &reopened.sample_queries(6, 5).expect("queries"),
            3,
            Default::default(),
        )
        .expect("recall");
    assert!(report.recall_at_k > 0.99, "{report:?}");
}

#[test]
fn a_missing_model_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = write_jsonl(dir.path(), &DOCS);
    let mut options = BuildOptions::new(&corpus, dir.path().join("out"));
    options.progress = Progress::Hidden;
    options.dense = Some(DenseOptions {
        model_dir: dir.path().join("no-model"),
        ..DenseOptions::default()
    });
    let error = build(&options).expect_err("no model");
    assert!(error.to_string().contains("fetch-model.sh"), "{error}");
    options.dense = Some(DenseOptions {
        m: 300,
        ..DenseOptions::default()
    });
    assert!(
        build(&options).is_err(),
        "M above hnsw_rs' limit is refused before it can exit the process"
    );
}

/// `explain`: a hybrid hit's ranks and scores are its places in the separate BM25 and dense
/// rankings (`null` where it is absent), its score their RRF sum; single-list modes explain
/// with the hit's own place; without `explain` the answer is the same but for the objects.
#[test]
fn explain_shows_the_rankings_behind_a_hybrid_score() {
    use driftless_api::{Explain, ListScore, SearchResponse};
    let Some(dense) = dense_options() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let s = build_dense(dir.path(), "explain", &dense);
    let q = "a unique column of the table";
    for unit in [Unit::Doc, Unit::Passage] {
        let run = |mode: Mode, k: u32, explain: bool| -> SearchResponse {
            let request = SearchRequest {
                mode: Some(mode),
                unit,
                k,
                explain,
                ..SearchRequest::new(q)
            };
            s.search(&request).expect("search")
        };
        let id =
            |hit: &driftless_api::Hit| hit.passage_id.clone().unwrap_or_else(|| hit.doc_id.clone());
        let place = |ranking: &SearchResponse, hit: &driftless_api::Hit| {
            let own = ranking.results.iter().find(|other| id(other) == id(hit));
            own.map(|own| ListScore {
                rank: own.rank,
                score: own.score,
            })
        };
        let bm25 = run(Mode::Bm25, 100, false);
        let semantic = run(Mode::Dense, 100, false);
        let hybrid = run(Mode::Hybrid, 6, true);
        assert_eq!(hybrid.results.len(), 6, "{unit}");
        let mut one_list = 0;
        for hit in &hybrid.results {
            let explain = hit.explain.expect("explained");
            let expected = Explain {
                bm25: Some(place(&bm25, hit)),
                dense: Some(place(&semantic, hit)),
                fusion_k: Some(60),
            };
            assert_eq!(explain, expected, "{unit}: {hit:?}");
            let ranks = [explain.bm25, explain.dense]
                .into_iter()
                .flatten()
                .flatten();
            let sum: f64 = ranks.map(|list| 1.0 / (60.0 + f64::from(list.rank))).sum();
            assert_eq!(hit.score, (sum * 1e6).round() / 1e6, "{unit}: {hit:?}");
            one_list += usize::from(explain.bm25 == Some(None) || explain.dense == Some(None));
        }
        assert!(one_list > 0, "{unit}: some hit is in one ranking only");
        // Without explain: the same answer, no objects.
        let mut plain = run(Mode::Hybrid, 6, false);
        assert!(plain.results.iter().all(|hit| hit.explain.is_none()));
        for hit in &mut plain.results {
            hit.explain = hybrid.results[hit.rank as usize - 1].explain;
        }
        assert_eq!(plain, hybrid, "{unit}");
        // Single lists: the hit's own place, the other list absent.
        for mode in [Mode::Bm25, Mode::DenseExact] {
            for hit in &run(mode, 3, true).results {
                let own = Some(Some(ListScore {
                    rank: hit.rank,
                    score: hit.score,
                }));
                let expected = if mode == Mode::Bm25 {
                    (own, None, None)
                } else {
                    (None, own, None)
                };
                assert_eq!(
                    hit.explain.map(|e| (e.bm25, e.dense, e.fusion_k)),
                    Some(expected),
                    "{unit} {mode}"
                );
            }
        }
    }
}
