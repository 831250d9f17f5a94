//! The query operators hold in every mode: for random queries with `site:`, `-site:`,
//! `"phrase"`, `-word` and `-"phrase"`, every hit of bm25, dense, dense_exact and hybrid, as
//! documents and as passages, satisfies them, and the dense modes still return k hits
//! whenever k units pass (they search deeper instead of filtering a fixed candidate list).
//! Real model, real ONNX Runtime, a corpus of three sites.
use std::collections::HashMap;
use std::sync::OnceLock;

use driftless_api::{Hit, Mode, SearchRequest, Unit};
use driftless_index::Snapshot;
use driftless_ingest::{BuildOptions, Progress, build};
use proptest::prelude::*;
use serde_json::json;

use crate::dense::open;
use crate::external::dense_options;

/// Words whose stems are all different, so a hit's words can be checked as written.
const VOCAB: [&str; 12] = [
    "apple", "pear", "plum", "fig", "kiwi", "lime", "mango", "olive", "grape", "melon", "peach",
    "cherry",
];
const SITES: [&str; 3] = ["a.example.org", "b.example.org", "c.example.net"];
const DOCS: usize = 90;

struct Fixture {
    _dir: tempfile::TempDir,
    /// Opened twice: filtered dense queries scanned exactly (this corpus is far below the
    /// default full-scan threshold), and searched through the HNSW graph (threshold 0).
    snapshots: [Snapshot; 2],
    /// doc_id → (host, text).
    docs: HashMap<String, (String, String)>,
}

/// A deterministic pseudo-random corpus: 90 documents of 6–20 vocabulary words, 30 a site.
fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let dense = dense_options()?;
            let dir = tempfile::tempdir().expect("tempdir");
            let mut state = 0x2545_f491_4f6c_dd1du64;
            let mut next = move |n: usize| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % n as u64) as usize
            };
            let mut docs = HashMap::new();
            let mut lines = Vec::new();
            for i in 0..DOCS {
                let host = SITES[i % SITES.len()];
                let len = 6 + next(15);
                let text: Vec<&str> = (0..len).map(|_| VOCAB[next(VOCAB.len())]).collect();
                let text = text.join(" ");
                let id = format!("d{i:03}");
                lines.push(
                    json!({"id": id, "url": format!("https://{host}/p/{i}"), "title": format!("page {i}"), "text": text})
                        .to_string(),
                );
                docs.insert(id, (host.to_string(), text));
            }
            let corpus = dir.path().join("corpus.jsonl");
            std::fs::write(&corpus, lines.join("\n") + "\n").expect("write corpus");
            let out = dir.path().join("snapshot");
            let mut options = BuildOptions::new(&corpus, &out);
            options.progress = Progress::Hidden;
            options.dense = Some(dense.clone());
            build(&options).expect("dense build");
            let graph = driftless_index::OpenOptions {
                ort_library: dense.ort_library.clone(),
                filtered_full_scan: 0,
                ..Default::default()
            };
            let graph = Snapshot::open_with(&out, &graph).expect("open");
            Some(Fixture {
                _dir: dir,
                snapshots: [open(&out, &dense), graph],
                docs,
            })
        })
        .as_ref()
}

/// The operators of one generated query, to check hits against.
#[derive(Debug, Clone)]
struct Operators {
    words: Vec<usize>,
    phrase: Option<(usize, usize)>,
    excluded_word: Option<usize>,
    excluded_phrase: Option<(usize, usize)>,
    site: Option<usize>,
    excluded_site: Option<usize>,
}

impl Operators {
    fn query(&self) -> String {
        let mut parts: Vec<String> = self.words.iter().map(|&w| VOCAB[w].to_string()).collect();
        if let Some((a, b)) = self.phrase {
            parts.push(format!("\"{} {}\"", VOCAB[a], VOCAB[b]));
        }
        if let Some(w) = self.excluded_word {
            parts.push(format!("-{}", VOCAB[w]));
        }
        if let Some((a, b)) = self.excluded_phrase {
            parts.push(format!("-\"{} {}\"", VOCAB[a], VOCAB[b]));
        }
        if let Some(s) = self.site {
            parts.push(format!("site:{}", SITES[s]));
        }
        if let Some(s) = self.excluded_site {
            parts.push(format!("-site:{}", SITES[s]));
        }
        parts.join(" ")
    }

    /// Whether a unit under `host` with `text` satisfies every operator.
    fn admits(&self, host: &str, text: &str) -> bool {
        let words: Vec<&str> = text.split_whitespace().collect();
        let has_phrase = |(a, b): (usize, usize)| {
            words
                .windows(2)
                .any(|pair| pair[0] == VOCAB[a] && pair[1] == VOCAB[b])
        };
        self.phrase.is_none_or(has_phrase)
            && self.excluded_phrase.is_none_or(|p| !has_phrase(p))
            && self
                .excluded_word
                .is_none_or(|w| !words.contains(&VOCAB[w]))
            && self.site.is_none_or(|s| host == SITES[s])
            && self.excluded_site.is_none_or(|s| host != SITES[s])
    }
}

fn operators() -> impl Strategy<Value = Operators> {
    let word = 0..VOCAB.len();
    let pair = (0..VOCAB.len(), 0..VOCAB.len());
    (
        prop::collection::vec(word.clone(), 1..3),
        prop::option::of(pair.clone()),
        prop::option::of(word),
        prop::option::of(pair),
        prop::option::of(0..SITES.len()),
        prop::option::of(0..SITES.len()),
    )
        .prop_map(
            |(words, phrase, excluded_word, excluded_phrase, site, excluded_site)| Operators {
                words,
                phrase,
                excluded_word,
                excluded_phrase,
                site,
                excluded_site,
            },
        )
}

/// The text a hit stands for: its document's, or its passage's span of it.
fn hit_text<'a>(fixture: &'a Fixture, hit: &Hit) -> (&'a str, String) {
    let (host, text) = &fixture.docs[&hit.doc_id];
    let text = match (hit.char_start, hit.char_end) {
        (Some(from), Some(to)) => text
            .chars()
            .skip(from as usize)
            .take((to - from) as usize)
            .collect(),
        _ => text.clone(),
    };
    (host, text)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn every_hit_of_every_mode_satisfies_the_operators(ops in operators(), k in 1u32..25) {
        let Some(fixture) = fixture() else { return Ok(()) };
        let q = ops.query();
        for unit in [Unit::Doc, Unit::Passage] {
            // Units that pass, counted by hand: the dense modes rank every one of them.
            let passing = fixture
                .docs
                .values()
                .filter(|(host, text)| ops.admits(host, text))
                .count();
            for (mode, snapshot) in [Mode::Bm25, Mode::Dense, Mode::DenseExact, Mode::Hybrid]
                .into_iter()
                .flat_map(|mode| fixture.snapshots.iter().map(move |s| (mode, s)))
            {
                let request = SearchRequest { mode: Some(mode), unit, k, ..SearchRequest::new(q.clone()) };
                let response = match snapshot.search(&request) {
                    Ok(response) => response,
                    // Excluding what the only positive operand names is a syntax error in every mode.
                    Err(error) => {
                        prop_assert!(error.to_string().contains("only excludes"), "{q}: {error}");
                        continue;
                    }
                };
                for hit in &response.results {
                    let (host, text) = hit_text(fixture, hit);
                    prop_assert!(ops.admits(host, &text), "{mode} {unit:?} `{q}`: {hit:?} ({host}: {text})");
                }
                if matches!(mode, Mode::Dense | Mode::DenseExact) {
                    // Documents are one passage each here, so both units count the same.
                    prop_assert_eq!(response.results.len(), passing.min(k as usize), "{} {:?} `{}`", mode, unit, q);
                }
            }
        }
    }
}

/// The review's example: a `site:` that names no page of the snapshot gives no hits in any
/// mode (it used to return other sites' pages in hybrid), and the host is not embedded.
#[test]
fn a_site_outside_the_snapshot_matches_nothing_in_any_mode() {
    let Some(fixture) = fixture() else { return };
    for (mode, snapshot) in [Mode::Bm25, Mode::Dense, Mode::DenseExact, Mode::Hybrid]
        .into_iter()
        .flat_map(|mode| fixture.snapshots.iter().map(move |s| (mode, s)))
    {
        let request = SearchRequest {
            mode: Some(mode),
            ..SearchRequest::new("apple pear site:docs.python.org")
        };
        let response = snapshot.search(&request).expect("search");
        assert!(
            response.results.is_empty(),
            "{mode}: {:?}",
            response.results
        );
        // The site alone lists that site's documents, as BM25 does.
        let request = SearchRequest {
            mode: Some(mode),
            k: 100,
            ..SearchRequest::new("site:b.example.org")
        };
        let response = snapshot.search(&request).expect("search");
        assert_eq!(response.results.len(), DOCS / SITES.len(), "{mode}");
        assert!(
            response
                .results
                .iter()
                .all(|h| h.url.starts_with("https://b.example.org/"))
        );
    }
}
