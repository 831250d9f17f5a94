//! Fetch windows, lookups by url, term statistics.
use driftless_api::FetchRequest;
use driftless_index::{IndexError, UserError};

use crate::common::build_jsonl;

fn fetch(id: &str, offset: u64, max: Option<u64>) -> FetchRequest {
    FetchRequest {
        doc_id: Some(id.into()),
        url: None,
        offset,
        max_chars: max,
    }
}

#[test]
fn windows_count_characters_not_bytes() {
    let built = build_jsonl(&[("u", "Unicode", "naïve café — 東京 index")]);
    let s = &built.snapshot;
    let whole = s.fetch(&fetch("u", 0, None)).expect("fetch");
    assert_eq!(whole.total_chars, whole.text.chars().count() as u64);
    let window = s.fetch(&fetch("u", 2, Some(5))).expect("fetch");
    assert_eq!(
        window.text,
        whole.text.chars().skip(2).take(5).collect::<String>()
    );
    assert_eq!(window.offset, 2);
    let end = s
        .fetch(&fetch("u", whole.total_chars, None))
        .expect("fetch at end");
    assert_eq!(end.text, "");
}

#[test]
fn by_url_and_errors() {
    let built = build_jsonl(&[("a", "A", "apple")]);
    let s = &built.snapshot;
    let by_url = s
        .fetch(&FetchRequest {
            url: Some("https://example.org/a".into()),
            ..Default::default()
        })
        .expect("fetch");
    assert_eq!(by_url.doc_id, "a");
    let not_found = s.fetch(&fetch("missing", 0, None));
    assert!(matches!(
        not_found,
        Err(IndexError::User(UserError::NotFound(_)))
    ));
    for bad in [
        fetch("a", 1_000_000, None),
        fetch("a", 0, Some(0)),
        fetch("a", 0, Some(10_000_000)),
        FetchRequest::default(),
        FetchRequest {
            doc_id: Some("a".into()),
            url: Some("x".into()),
            ..Default::default()
        },
        fetch("", 0, None),
    ] {
        assert!(matches!(s.fetch(&bad), Err(IndexError::User(_))), "{bad:?}");
    }
}

#[test]
fn term_stats_report_document_frequencies() {
    let built = build_jsonl(&[
        ("a", "t", "apple banana"),
        ("b", "t", "apple cherry"),
        ("c", "t", "banana cherry apples"),
    ]);
    let stats = built
        .snapshot
        .term_stats(&[
            "Apple".into(),
            "banana cherry".into(),
            "the".into(),
            "kiwi".into(),
        ])
        .expect("stats");
    assert_eq!(stats.total_docs, 3);
    let dfs: Vec<u64> = stats.terms.iter().map(|t| t.doc_freq).collect();
    assert_eq!(dfs, [3, 1, 0, 0]);
    assert_eq!(stats.terms[0].tokens, ["appl"]);
    assert!(stats.terms[2].tokens.is_empty());
    assert!(built.snapshot.term_stats(&[]).is_err());
    assert!(
        built
            .snapshot
            .term_stats(&vec!["a".to_string(); 33])
            .is_err()
    );
}
