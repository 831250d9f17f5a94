//! Query syntax, units, snippets and errors through `Snapshot::search`.
use driftless_api::{Highlight, Mode, SearchRequest, Unit};
use driftless_index::{IndexError, UserError};

use crate::common::{build_at, build_jsonl, create_index_concurrently, write_html_site};

fn ids(built: &driftless_index::Snapshot, request: &SearchRequest) -> Vec<String> {
    built
        .search(request)
        .expect("search")
        .results
        .into_iter()
        .map(|h| h.doc_id)
        .collect()
}

fn corpus() -> crate::common::Built {
    build_jsonl(&[
        (
            "a",
            "Alpha",
            "create index concurrently on the orders table",
        ),
        ("b", "Beta", "drop index concurrently if it exists"),
        ("c", "Gamma", "the index of a book lists its topics"),
        ("d", "Delta", "vacuum reclaims storage; index bloat shrinks"),
    ])
}

#[test]
fn phrases_exclusions_and_or() {
    let built = corpus();
    let s = &built.snapshot;
    let mut phrase = ids(s, &SearchRequest::new("\"index concurrently\""));
    phrase.sort();
    assert_eq!(phrase, ["a", "b"]);
    let excluded = ids(s, &SearchRequest::new("index -concurrently"));
    excluded
        .iter()
        .for_each(|id| assert!(id == "c" || id == "d", "{excluded:?}"));
    assert_eq!(excluded.len(), 2);
    let mut either = ids(
        s,
        &SearchRequest::new("\"orders table\" OR \"index bloat\""),
    );
    either.sort();
    assert_eq!(either, ["a", "d"]);
}

#[test]
fn site_filters_hosts_and_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus.jsonl");
    let lines = [
        r#"{"id":"p1","url":"https://www.postgresql.org/docs/15/a.html","title":"A","text":"index page"}"#,
        r#"{"id":"y1","url":"https://docs.python.org/3.11/library/os.html","title":"os","text":"index of os"}"#,
        r#"{"id":"y2","url":"https://docs.python.org/3.11/tutorial/x.html","title":"x","text":"index tutorial"}"#,
    ];
    std::fs::write(&corpus, lines.join("\n")).expect("write");
    let s = build_at(&corpus, &dir.path().join("snap"));
    assert_eq!(
        ids(&s, &SearchRequest::new("index site:postgresql.org")),
        ["p1"]
    );
    assert_eq!(
        ids(
            &s,
            &SearchRequest::new("index site:docs.python.org/3.11/library")
        ),
        ["y1"]
    );
    assert_eq!(
        ids(&s, &SearchRequest::new("index -site:python.org")),
        ["p1"]
    );
    let mut both = ids(
        &s,
        &SearchRequest::new("site:postgresql.org site:docs.python.org/3.11/tutorial"),
    );
    both.sort();
    assert_eq!(both, ["p1", "y2"]);
}

#[test]
fn passage_unit_reports_spans_that_fetch_returns() {
    let long = "alpha beta gamma. ".repeat(200)
        + "The needle sentence is here. "
        + &"delta epsilon. ".repeat(200);
    let built = build_jsonl(&[("long", "Long page", &long)]);
    let request = SearchRequest {
        unit: Unit::Passage,
        ..SearchRequest::new("needle")
    };
    let response = built.snapshot.search(&request).expect("search");
    let hit = &response.results[0];
    let (start, end) = (hit.char_start.expect("start"), hit.char_end.expect("end"));
    assert!(
        hit.passage_id
            .as_deref()
            .is_some_and(|p| p.starts_with("long#"))
    );
    let fetched = built
        .snapshot
        .fetch(&driftless_api::FetchRequest {
            doc_id: Some("long".into()),
            offset: start,
            max_chars: Some(end - start),
            ..Default::default()
        })
        .expect("fetch");
    assert!(fetched.text.contains("needle"), "{}", fetched.text);
    assert!(hit.snippet.contains("**needle**"), "{}", hit.snippet);
    assert!(built.snapshot.manifest().counts.passages > 1);
}

#[test]
fn highlight_modes() {
    let built = corpus();
    let html = SearchRequest {
        highlight: Highlight::Html,
        ..SearchRequest::new("vacuum")
    };
    assert!(
        built.snapshot.search(&html).expect("search").results[0]
            .snippet
            .contains("<b>vacuum</b>")
    );
    let none = SearchRequest {
        highlight: Highlight::None,
        ..SearchRequest::new("vacuum")
    };
    assert!(
        !built.snapshot.search(&none).expect("search").results[0]
            .snippet
            .contains('*')
    );
}

#[test]
fn html_pages_get_canonical_urls_and_no_navigation() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_html_site(&dir.path().join("corpus"));
    let s = build_at(&dir.path().join("corpus"), &dir.path().join("snap"));
    let (response, text) = create_index_concurrently(&s);
    assert_eq!(response.results[0].doc_id, "postgresql-15/sql-createindex");
    for chrome in ["Prev", "Next", "Home"] {
        assert!(
            !text.contains(chrome),
            "navigation {chrome:?} leaked into {text:?}"
        );
    }
    // Navigation words are not searchable either.
    assert!(
        s.search(&SearchRequest::new("prev"))
            .expect("search")
            .results
            .is_empty()
    );
}

#[test]
fn bad_requests_are_user_errors() {
    let built = corpus();
    let s = &built.snapshot;
    let cases: Vec<SearchRequest> = vec![
        SearchRequest::new(""),
        SearchRequest::new("   "),
        SearchRequest::new("x".repeat(1001)),
        SearchRequest::new("bad \u{1} char"),
        SearchRequest {
            k: 0,
            ..SearchRequest::new("index")
        },
        SearchRequest {
            k: 101,
            ..SearchRequest::new("index")
        },
        SearchRequest {
            offset: 1_000_000,
            ..SearchRequest::new("index")
        },
        SearchRequest {
            k1: Some(-1.0),
            ..SearchRequest::new("index")
        },
        SearchRequest {
            b: Some(f32::NAN),
            ..SearchRequest::new("index")
        },
        SearchRequest {
            mode: Some(Mode::Dense),
            ..SearchRequest::new("index")
        },
        SearchRequest::new("site:"),
        SearchRequest::new("-index"),
    ];
    for request in cases {
        match s.search(&request) {
            Err(IndexError::User(_)) => {}
            other => panic!("{request:?} gave {other:?}"),
        }
    }
    // Lone quotes, only stop words, control-like whitespace: fine.
    for q in ["\"", "\"index", "the of", "index\ttable\nrows", "-", "OR"] {
        assert!(s.search(&SearchRequest::new(q)).is_ok(), "{q:?}");
    }
    assert!(matches!(
        s.search(&SearchRequest {
            mode: Some(Mode::Hybrid),
            ..SearchRequest::new("x")
        }),
        Err(IndexError::User(UserError::ModeUnavailable(_)))
    ));
}
