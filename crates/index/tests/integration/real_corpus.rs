//! Over the real PostgreSQL HTML pages (fetched by scripts/test.sh from Debian's
//! `postgresql-doc-15`): canonical URLs, clean text, and determinism of 1,000 queries across
//! two builds and a reopen.
use std::path::PathBuf;

use driftless_api::{SearchRequest, Unit};
use driftless_corpus::{Format, ReadItem, ReaderOptions, open_corpus};
use driftless_index::Snapshot;

use crate::common::{build_at, create_index_concurrently, pruned_is_exhaustive};
use crate::external::missing;

/// The PostgreSQL HTML directory, or `None` (with a note) when the corpus was not fetched.
/// Under CI the corpus is mandatory: scripts/test.sh fetches it.
pub fn postgres_html() -> Option<PathBuf> {
    let root = std::env::var_os("DRIFTLESS_TEST_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/corpus/default")
        });
    let html = root.join("postgresql-doc-15/usr/share/doc/postgresql-doc-15/html");
    if html.is_dir() {
        return Some(html);
    }
    missing(
        "CI must fetch the corpus first: run scripts/test.sh",
        &format!(
            "note: {} missing; run corpus-tools/fetch-default-corpus.sh to run the real-corpus tests",
            html.display()
        ),
    )
}

/// 1,000 distinct queries drawn deterministically from the pages' own words, in every
/// syntax form.
fn queries(corpus: &std::path::Path) -> Vec<String> {
    let words: Vec<Vec<String>> = open_corpus(corpus, Format::Html, &ReaderOptions::default())
        .expect("open corpus")
        .filter_map(|item| match item {
            ReadItem::Document(doc) => Some(
                doc.text
                    .split_whitespace()
                    .filter(|w| w.chars().all(char::is_alphanumeric) && w.len() > 3)
                    .take(400)
                    .map(str::to_lowercase)
                    .collect(),
            ),
            ReadItem::Skipped(_) => None,
        })
        .filter(|w: &Vec<String>| w.len() > 20)
        .collect();
    let mut out = std::collections::BTreeSet::new();
    let mut i = 0usize;
    while out.len() < 1000 && i < 100_000 {
        let doc = &words[i % words.len()];
        let at = (i * 7) % (doc.len() - 4);
        let q = match i % 5 {
            0 => doc[at].clone(),
            1 => format!("{} {}", doc[at], doc[at + 1]),
            2 => format!("\"{} {}\"", doc[at], doc[at + 1]),
            3 => format!("{} {} -{}", doc[at], doc[at + 2], doc[at + 3]),
            _ => format!("{} OR {} site:postgresql.org", doc[at], doc[at + 3]),
        };
        out.insert(q);
        i += 1;
    }
    out.into_iter().collect()
}

fn answers(s: &Snapshot, queries: &[String]) -> Vec<Vec<u8>> {
    queries
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let unit = if i % 2 == 0 { Unit::Doc } else { Unit::Passage };
            let request = SearchRequest {
                unit,
                k: 10,
                offset: (i % 3) as u32,
                ..SearchRequest::new(q.clone())
            };
            serde_json::to_vec(&s.search(&request).expect("search")).expect("json")
        })
        .collect()
}

/// MaxScore pruning (`Bm25Index::top`) gives exactly the exhaustive ranking: same
/// documents, same order, same f32 scores, for every query form, both units, several
/// depths and BM25 parameters (k1 = 0 makes every share equal its upper bound).
fn pruned_ranking_is_the_exhaustive_one(snapshot: &Snapshot, queries: &[String]) {
    let mut analyzer = driftless_index::analyzer::analyzer();
    let settings = [
        (0.9, 0.4, 3),
        (1.2, 0.75, 10),
        (0.0, 0.0, 1),
        (3.0, 1.0, 100),
    ];
    let mut compared = 0;
    for (i, q) in queries.iter().enumerate() {
        let Ok(parsed) = driftless_index::query::parse(q, &mut analyzer) else {
            continue;
        };
        let (k1, b, limit) = settings[i % settings.len()];
        let params = driftless_index::bm25::Bm25Params { k1, b };
        for unit in [Unit::Doc, Unit::Passage] {
            let exhaustive = pruned_is_exhaustive(snapshot, unit, q, &parsed, params, limit);
            compared += usize::from(!exhaustive.is_empty());
        }
    }
    assert!(
        compared > 1500,
        "only {compared} non-empty rankings compared"
    );
}

#[test]
fn postgres_pages_search_fetch_and_determinism() {
    let Some(html) = postgres_html() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let one = build_at(&html, &dir.path().join("one"));
    assert!(
        one.manifest().counts.documents > 1000,
        "{:?}",
        one.manifest().counts
    );

    let (response, text) = create_index_concurrently(&one);
    assert!(
        response
            .results
            .iter()
            .all(|h| h.url.starts_with("https://www.postgresql.org/docs/15/"))
    );
    for chrome in ["Prev\u{a0}", "Up\n", "Home\n", "Submit correction"] {
        assert!(!text.contains(chrome), "{chrome:?} in fetched text");
    }

    let queries = queries(&html);
    assert_eq!(queries.len(), 1000);
    pruned_ranking_is_the_exhaustive_one(&one, &queries);
    let first = answers(&one, &queries);
    assert_eq!(first, answers(&one, &queries), "asked twice");
    let two = build_at(&html, &dir.path().join("two"));
    assert_eq!(one.id(), two.id(), "two builds, one snapshot id");
    assert_eq!(first, answers(&two, &queries), "second build");
    drop(one);
    let reopened = Snapshot::open(&dir.path().join("one")).expect("reopen");
    assert_eq!(first, answers(&reopened, &queries), "after reopen");
    let non_empty = first
        .iter()
        .filter(|b| !String::from_utf8_lossy(b).contains("\"results\":[]"))
        .count();
    assert!(non_empty > 900, "only {non_empty} queries found anything");
}

/// Snippets skip words whose first character starts no query term (term_filter.rs): sound
/// only if every term starts with its word's lower-cased first character. Checked on every
/// word of the real pages.
#[test]
fn every_term_of_the_real_pages_starts_with_its_words_first_character() {
    let Some(html) = postgres_html() else { return };
    let mut analyzer = driftless_index::analyzer::analyzer();
    let mut pages = 0;
    for item in open_corpus(&html, Format::Html, &ReaderOptions::default()).expect("open") {
        if let ReadItem::Document(doc) = item {
            let text = format!("{}\n{}", doc.title, doc.text);
            assert!(
                driftless_index::term_filter::terms_keep_first_char(&mut analyzer, &text),
                "{}",
                doc.url
            );
            pages += 1;
        }
    }
    assert!(pages > 1000, "{pages} pages");
}
