//! The shared layout: a corpus whose every document is one whole passage (wiki-18, MS MARCO
//! passage) is indexed once, and passages are searched in the document index. Its answers
//! must be those of the two-index layout, byte for byte, and its files the same on any
//! number of threads; a corpus with one longer document keeps a passage index of its own.
mod common;

use std::path::Path;

use common::{VOCABULARY, fetch, segmented_options, write_jsonl};
use driftless_api::{Highlight, Manifest, Mode, SearchRequest, Unit};
use driftless_index::schema::{PASSAGES_DIR, SHARED_PASSAGE_INDEX};
use driftless_ingest::{BuildOptions, BuildSummary, PassageIndex, build};

/// Beyond the shared vocabulary: stop words, a stemmed form, non-ASCII and identifiers.
const EXTRA: [&str; 8] = [
    "the", "of", "running", "indexes", "café", "naïve", "pg_stat", "x86_64",
];

fn word(i: usize) -> &'static str {
    let i = i % (VOCABULARY.len() + EXTRA.len());
    VOCABULARY
        .get(i)
        .copied()
        .unwrap_or_else(|| EXTRA[i - VOCABULARY.len()])
}

/// `n` short documents (20-79 words: one passage each) on a few hosts, in shuffled id
/// order; with `long`, one more document of several passages.
fn corpus(path: &Path, n: usize, long: bool) {
    let mut lines = Vec::new();
    for i in 0..n {
        let id = (i * 7919) % n;
        let body: Vec<&str> = (0..20 + id % 60)
            .map(|j| word(id * 31 + j * 7 + j * j))
            .collect();
        let host = ["docs.example.org", "wiki.example.org", "blog.example.com"][id % 3];
        lines.push(serde_json::json!({
            "id": format!("p{id:05}"),
            "url": format!("https://{host}/{}/{id}", word(id % 5)),
            "title": format!("{} {} {id}", word(id % 16), word((id / 16) % 16)),
            "text": body.join(" "),
        }));
    }
    if long {
        let text: Vec<String> = (0..40)
            .map(|s| format!("Sentence {s} is about vacuum and btree merges in segment {s}."))
            .collect();
        lines.push(
            serde_json::json!({"id": "long", "url": "https://long.example.net/a",
            "title": "A long page", "text": text.join("\n\n")}),
        );
    }
    write_jsonl(path, &lines);
}

fn options(corpus: &Path, out: &Path, threads: usize, layout: PassageIndex) -> BuildOptions {
    // tantivy's smallest budget: 4 MB chunks, so the corpus spans several segments.
    let mut options = segmented_options(corpus, out, threads);
    options.passage_index = layout;
    options
}

fn manifest(dir: &Path) -> Manifest {
    driftless_index::Snapshot::read_manifest(dir).expect("manifest")
}

/// Every answer the two layouts must agree on: both units, filters, a phrase, paging,
/// highlighting and explanations; the snapshot field is dropped (the ids differ).
fn answers(dir: &Path) -> Vec<serde_json::Value> {
    let snapshot = driftless_index::Snapshot::open(dir).expect("open");
    let queries = [
        "vacuum btree",
        "replica tokenizer shard",
        "running indexes",
        "\"merge segment\"",
        "cache site:docs.example.org",
        "query writer -commit",
        "café naïve pg_stat x86_64",
        "the of",
    ];
    let mut out = Vec::new();
    for q in queries {
        for unit in [Unit::Doc, Unit::Passage] {
            for (k, offset, explain) in [(10, 0, false), (100, 0, false), (5, 7, true)] {
                let mut request = SearchRequest::new(q);
                request.k = k;
                request.offset = offset;
                request.explain = explain;
                request.highlight = Highlight::Markdown;
                request.mode = Some(Mode::Bm25);
                request.unit = unit;
                let response = snapshot.search(&request).expect("search");
                let mut value = serde_json::to_value(&response).expect("json");
                value["snapshot"] = serde_json::Value::Null;
                out.push(value);
            }
        }
    }
    out
}

/// (path, sha256) of every snapshot file.
fn files(dir: &Path) -> Vec<(String, String)> {
    let manifest = manifest(dir);
    manifest
        .files
        .into_iter()
        .map(|f| (f.path, f.sha256))
        .collect()
}

#[test]
fn a_passage_corpus_is_indexed_once_with_the_answers_of_two_indexes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("corpus.jsonl");
    corpus(&input, 24_001, false);
    let out = |name: &str| dir.path().join(name);
    let shared: BuildSummary =
        build(&options(&input, &out("shared"), 2, PassageIndex::Auto)).expect("build");
    let separate = build(&options(
        &input,
        &out("separate"),
        2,
        PassageIndex::Separate,
    ))
    .expect("build");

    assert_eq!(shared.documents, 24_001);
    assert_eq!(
        shared.passages, shared.documents,
        "one passage per document"
    );
    assert_eq!((separate.documents, separate.passages), (24_001, 24_001));
    let (m_shared, m_separate) = (manifest(&out("shared")), manifest(&out("separate")));
    assert_eq!(
        m_shared.build.passage_index.as_deref(),
        Some(SHARED_PASSAGE_INDEX)
    );
    assert_eq!(m_separate.build.passage_index, None);
    assert!(!out("shared").join(PASSAGES_DIR).exists());
    assert!(out("separate").join(PASSAGES_DIR).is_dir());
    assert_ne!(
        shared.snapshot_id, separate.snapshot_id,
        "the layout is part of the identity"
    );
    assert!(
        shared.snapshot_bytes * 10 < separate.snapshot_bytes * 8,
        "one index, not two: {} vs {} bytes",
        shared.snapshot_bytes,
        separate.snapshot_bytes
    );
    assert_eq!(m_shared.corpus_digest, m_separate.corpus_digest);
    // Same canary queries (their answers carry the snapshot id, so their digests differ).
    assert_eq!(m_shared.canaries.queries, m_separate.canaries.queries);

    let want = answers(&out("separate"));
    let got = answers(&out("shared"));
    assert_eq!(got.len(), want.len());
    for (got, want) in got.iter().zip(&want) {
        assert_eq!(got, want);
    }
    let (mut a, mut b) = (
        fetch(&out("shared"), "p00007"),
        fetch(&out("separate"), "p00007"),
    );
    (a.snapshot, b.snapshot) = (String::new(), String::new());
    assert_eq!(a, b);
    // Passage hits name their passage and its span, as the passage index did.
    let passage_hit = &want[3]["results"][0];
    assert!(
        passage_hit["passage_id"]
            .as_str()
            .is_some_and(|id| id.ends_with("#0"))
    );
    assert_eq!(passage_hit["char_start"], 0);
}

#[test]
fn the_shared_layout_is_the_same_on_any_number_of_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("corpus.jsonl");
    corpus(&input, 30_011, false);
    let built: Vec<(BuildSummary, Vec<(String, String)>)> = [1, 2, 3]
        .into_iter()
        .map(|threads| {
            let out = dir.path().join(format!("t{threads}"));
            let summary =
                build(&options(&input, &out, threads, PassageIndex::Auto)).expect("build");
            (summary, files(&out))
        })
        .collect();
    let (first, first_files) = &built[0];
    assert!(
        first_files
            .iter()
            .all(|(path, _)| !path.starts_with(PASSAGES_DIR))
    );
    for (summary, files) in &built[1..] {
        assert_eq!(summary.snapshot_id, first.snapshot_id);
        assert_eq!(files, first_files, "every file byte-identical");
    }
}

#[test]
fn one_document_of_several_passages_keeps_a_passage_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("corpus.jsonl");
    corpus(&input, 501, true);
    let out = dir.path().join("snapshot");
    let summary = build(&options(&input, &out, 2, PassageIndex::Auto)).expect("build");
    assert!(summary.passages > summary.documents, "{summary:?}");
    assert_eq!(manifest(&out).build.passage_index, None);
    assert!(out.join(PASSAGES_DIR).is_dir());
}

/// tantivy segments of the document index (one `.idx` file each).
fn segment_count(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("docs"))
        .expect("docs dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".idx"))
        })
        .count()
}

#[test]
fn segments_change_the_files_and_never_an_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("corpus.jsonl");
    // Duplicates of a few ids: the last groups hold fewer documents than their share.
    corpus(&input, 20_011, false);
    let mut text = std::fs::read_to_string(&input).expect("corpus");
    for line in text.clone().lines().take(40) {
        text.push('\n');
        text.push_str(line);
    }
    std::fs::write(&input, text).expect("corpus");
    let built: Vec<_> = [1usize, 2, 5]
        .into_iter()
        .map(|segments| {
            let out = dir.path().join(format!("s{segments}"));
            let mut options = options(&input, &out, 2, PassageIndex::Auto);
            options.segments = segments;
            let summary = build(&options).expect("build");
            assert_eq!(summary.documents, 20_011, "duplicates skipped");
            assert_eq!(segment_count(&out), segments, "{segments} segments");
            let recorded = manifest(&out).build.segments;
            assert_eq!(recorded, (segments > 1).then_some(segments as u32));
            (summary.snapshot_id, out)
        })
        .collect();
    assert_ne!(built[0].0, built[1].0, "segments are part of the identity");
    assert_ne!(built[1].0, built[2].0);

    let want = answers(&built[0].1);
    for (_, out) in &built[1..] {
        let got = answers(out);
        assert_eq!(got.len(), want.len());
        for (got, want) in got.iter().zip(&want) {
            assert_eq!(got, want, "{}", out.display());
        }
        for id in ["p00000", "p10005", "p20010"] {
            let (mut a, mut b) = (fetch(out, id), fetch(&built[0].1, id));
            (a.snapshot, b.snapshot) = (String::new(), String::new());
            assert_eq!(a, b, "{id}");
        }
    }

    // Term statistics, pruned and split rankings over five segments.
    let one = driftless_index::Snapshot::open(&built[0].1).expect("open");
    let five = driftless_index::Snapshot::open(&built[2].1).expect("open");
    let terms: Vec<String> = ["vacuum btree", "running", "café pg_stat"]
        .map(String::from)
        .to_vec();
    let (mut a, mut b) = (
        one.term_stats(&terms).expect("stats"),
        five.term_stats(&terms).expect("stats"),
    );
    (a.snapshot, b.snapshot) = (String::new(), String::new());
    assert_eq!(a, b);
    let mut analyzer = driftless_index::analyzer::analyzer();
    for q in ["vacuum btree replica", "running indexes", "the of cache"] {
        let parsed = driftless_index::query::parse(q, &mut analyzer).expect("parse");
        let params = driftless_index::bm25::Bm25Params { k1: 1.2, b: 0.75 };
        for unit in [Unit::Doc, Unit::Passage] {
            let want = one
                .bm25_index(unit)
                .top_exhaustive(&parsed, params, 1000)
                .expect("top");
            let index = five.bm25_index(unit);
            assert_eq!(
                index.top_exhaustive(&parsed, params, 1000).expect("top"),
                want
            );
            assert_eq!(index.top(&parsed, params, 1000).expect("top"), want);
            let split = index.top_in_ranges(&parsed, params, 1000, 3);
            assert_eq!(split.expect("top"), want, "{q} in ranges");
        }
    }
}

#[test]
fn segments_out_of_range_are_refused_before_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("corpus.jsonl");
    corpus(&input, 10, false);
    for segments in [0, driftless_ingest::MAX_SEGMENTS + 1] {
        let mut options = options(&input, &dir.path().join("s"), 1, PassageIndex::Auto);
        options.segments = segments;
        let error = build(&options).expect_err("refused").to_string();
        assert!(error.contains("segments must be 1..="), "{error}");
    }
}
