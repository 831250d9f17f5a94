//! Unit tests of the Parquet reader on files written here with the parquet crate's
//! writer: FineWeb, BrowseComp-Plus and Pyserini column layouts, several row groups,
//! each page compression the reader supports, and damaged or unusable files.

use std::path::{Path, PathBuf};

use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use tempfile::TempDir;

use super::*;
use crate::parquet_test_writer::{Col, TestResult, write_parquet};
use crate::{Document, Format, open_corpus};

/// Writes a Parquet file `name` into a fresh temporary directory, which the caller keeps
/// while it reads the file.
fn fixture(
    name: &str,
    schema: &str,
    columns: &[Col],
    group_rows: usize,
    compression: Compression,
) -> Result<(TempDir, PathBuf), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let path = tmp.path().join(name);
    write_parquet(&path, schema, columns, group_rows, compression)?;
    Ok((tmp, path))
}

fn read(path: &Path, options: &ReaderOptions) -> Vec<ReadItem> {
    let corpus = open_corpus(path, Format::Parquet, options);
    corpus.map(Iterator::collect).unwrap_or_default()
}

fn docs(items: &[ReadItem]) -> Vec<&Document> {
    items.iter().filter_map(ReadItem::document).collect()
}

fn skips(items: &[ReadItem]) -> Vec<(&str, SkipReason)> {
    items
        .iter()
        .filter_map(ReadItem::skip)
        .map(|s| (s.source.as_str(), s.reason))
        .collect()
}

/// (id, title, text) of the documents, in order.
fn id_title_text(items: &[ReadItem]) -> Vec<(&str, &str, &str)> {
    docs(items)
        .into_iter()
        .map(|d| (d.doc_id.as_str(), d.title.as_str(), d.text.as_str()))
        .collect()
}

const FINEWEB: &str = "message schema {
  optional binary text (STRING); optional binary id (STRING); optional binary dump (STRING);
  optional binary url (STRING); optional binary date (STRING); optional binary file_path (STRING);
  optional binary language (STRING); optional double language_score; optional int64 token_count; }";

fn fineweb_columns() -> Vec<Col> {
    let n = 5;
    vec![
        Col::Str(vec![
            Some("First page."),
            Some("Second page."),
            None,
            Some("Fourth."),
            Some("Fifth."),
        ]),
        Col::Str(
            (0..n)
                .map(|i| {
                    Some(
                        [
                            "<urn:uuid:a>",
                            "<urn:uuid:b>",
                            "<urn:uuid:c>",
                            "<urn:uuid:d>",
                            "<urn:uuid:e>",
                        ][i],
                    )
                })
                .collect(),
        ),
        Col::Str(vec![Some("CC-MAIN-2024-10"); n]),
        Col::Str(vec![
            Some("https://a.example/"),
            Some("https://b.example/"),
            None,
            None,
            Some("https://e.example/"),
        ]),
        Col::Str(vec![Some("2024-02-20T00:00:00Z"); n]),
        Col::Str(vec![Some("s3://commoncrawl/x.warc.gz"); n]),
        Col::Str(vec![Some("en"); n]),
        Col::F64(vec![Some(0.93); n]),
        Col::I64(vec![Some(3); n]),
    ]
}

#[test]
fn fineweb_rows_stream_over_row_groups() -> TestResult {
    let (_tmp, path) = fixture(
        "000_00000.parquet",
        FINEWEB,
        &fineweb_columns(),
        2,
        Compression::ZSTD(ZstdLevel::default()),
    )?;
    let corpus = open_corpus(&path, Format::Auto, &ReaderOptions::default())?;
    assert_eq!(
        (corpus.format(), corpus.len_hint()),
        (Format::Parquet, Some(5))
    );
    let items: Vec<ReadItem> = corpus.collect();
    assert_eq!(items.len(), 5);
    let got: Vec<(&str, &str, &str)> = docs(&items)
        .iter()
        .map(|d| (d.doc_id.as_str(), d.url.as_str(), d.text.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("<urn:uuid:a>", "https://a.example/", "First page."),
            ("<urn:uuid:b>", "https://b.example/", "Second page."),
            ("<urn:uuid:d>", "urn:driftless:<urn:uuid:d>", "Fourth."),
            ("<urn:uuid:e>", "https://e.example/", "Fifth."),
        ]
    );
    assert_eq!(
        skips(&items),
        [("000_00000.parquet:1:0", SkipReason::InvalidRecord)]
    );
    let last = docs(&items)
        .last()
        .map(|d| d.metadata.clone())
        .unwrap_or_default();
    assert_eq!(last.get("row_group").map(String::as_str), Some("2"));
    assert_eq!(last.get("row").map(String::as_str), Some("0"));
    assert_eq!(
        last.get("path").map(String::as_str),
        Some("000_00000.parquet")
    );
    Ok(())
}

#[test]
fn browsecomp_plus_columns_with_gzip_pages() -> TestResult {
    let schema = "message s { required binary docid (STRING); required binary text (STRING); required binary url (STRING); }";
    let columns = vec![
        Col::Str(vec![Some("101"), Some("102"), Some("103")]),
        Col::Str(vec![Some("Alpha text"), Some("   "), Some("Gamma text")]),
        Col::Str(vec![
            Some("https://x.example/1"),
            Some("https://x.example/2"),
            Some("https://x.example/3"),
        ]),
    ];
    let (_tmp, path) = fixture(
        "corpus.parquet",
        schema,
        &columns,
        2,
        Compression::GZIP(GzipLevel::default()),
    )?;
    let items = read(&path, &ReaderOptions::default());
    let ids: Vec<&str> = docs(&items).iter().map(|d| d.doc_id.as_str()).collect();
    assert_eq!(ids, ["101", "103"]);
    assert_eq!(
        docs(&items).get(1).map(|d| d.url.as_str()),
        Some("https://x.example/3")
    );
    assert_eq!(skips(&items), [("corpus.parquet:0:1", SkipReason::Empty)]);
    Ok(())
}

#[test]
fn pyserini_integer_ids_and_quoted_title_contents() -> TestResult {
    let schema = "message s { required int64 id; required binary contents (STRING); }";
    let columns = vec![
        Col::I64(vec![Some(7), Some(8)]),
        Col::Str(vec![
            Some("\"Aaron\"\nAaron is a prophet."),
            Some("no title"),
        ]),
    ];
    let (_tmp, path) = fixture("wiki.parquet", schema, &columns, 10, Compression::SNAPPY)?;
    let items = read(&path, &ReaderOptions::default());
    assert_eq!(
        id_title_text(&items),
        [("7", "Aaron", "Aaron is a prophet."), ("8", "", "no title")]
    );
    Ok(())
}

#[test]
fn field_maps_pick_other_columns() -> TestResult {
    let schema = "message s { optional binary doc_key (STRING); optional binary body (STRING); optional binary headline (STRING); optional binary text (STRING); }";
    let columns = vec![
        Col::Str(vec![Some("k1"), None]),
        Col::Str(vec![Some("Body one"), Some("Body two")]),
        Col::Str(vec![Some("Head  one"), None]),
        Col::Str(vec![Some("not this"), Some("nor this")]),
    ];
    let (_tmp, path) = fixture(
        "mapped.parquet",
        schema,
        &columns,
        10,
        Compression::UNCOMPRESSED,
    )?;
    let fields = FieldMap::parse(&["id=doc_key,text=body,title=headline".to_string()])?;
    let options = ReaderOptions {
        fields,
        ..ReaderOptions::default()
    };
    let items = read(&path, &options);
    assert_eq!(id_title_text(&items), [("k1", "Head one", "Body one")]);
    assert_eq!(
        skips(&items),
        [("mapped.parquet:0:1", SkipReason::InvalidRecord)]
    );
    // Without the mapping the file has no id column at all: one skip for the shard.
    let items = read(&path, &ReaderOptions::default());
    let skip = match items.as_slice() {
        [ReadItem::Skipped(s)] => s.clone(),
        other => return Err(format!("expected one skip, got {other:?}").into()),
    };
    assert_eq!(
        (skip.source.as_str(), skip.reason),
        ("mapped.parquet", SkipReason::InvalidRecord)
    );
    assert!(
        skip.detail.contains("no id column") && skip.detail.contains("doc_key, body"),
        "{}",
        skip.detail
    );
    Ok(())
}

#[test]
fn damaged_and_oversized_input_is_skipped() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    std::fs::write(
        dir.join("a-broken.parquet"),
        b"PAR1 this is not parquet at all PAR1",
    )?;
    write_parquet(
        &dir.join("b-good.parquet"),
        FINEWEB,
        &fineweb_columns(),
        3,
        Compression::SNAPPY,
    )?;
    let bytes = std::fs::read(dir.join("b-good.parquet"))?;
    std::fs::write(dir.join("c-cut.parquet"), &bytes[..bytes.len() / 2])?;
    let corpus = open_corpus(
        dir,
        Format::Auto,
        &ReaderOptions {
            max_page_bytes: 60,
            ..ReaderOptions::default()
        },
    )?;
    assert_eq!(corpus.len_hint(), Some(1 + 5 + 1));
    let items: Vec<ReadItem> = corpus.collect();
    assert_eq!(items.len(), 7);
    let reasons = skips(&items);
    assert_eq!(
        reasons.first(),
        Some(&("a-broken.parquet", SkipReason::InvalidRecord))
    );
    assert_eq!(
        reasons.last(),
        Some(&("c-cut.parquet", SkipReason::InvalidRecord))
    );
    // Each row is its text plus id and url: the 12-byte "Second page." row with its URL fits,
    // none is over 60 bytes, so only the null-text row is skipped.
    assert_eq!(docs(&items).len(), 4);
    let tiny = ReaderOptions {
        max_page_bytes: 20,
        ..ReaderOptions::default()
    };
    let items = read(&dir.join("b-good.parquet"), &tiny);
    assert!(
        skips(&items)
            .iter()
            .filter(|(_, r)| *r == SkipReason::TooLarge)
            .count()
            >= 3
    );
    Ok(())
}
