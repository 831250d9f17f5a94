//! Unit tests of the TSV reader: MS MARCO and DPR layouts, quoting, mappings, bad lines.

use super::*;
use crate::error::CorpusError;
use crate::test_files::{gzip, read_shard};

fn read(content: &str) -> Vec<ReadItem> {
    read_with(content, &ReaderOptions::default())
}

fn read_with(content: &str, options: &ReaderOptions) -> Vec<ReadItem> {
    read_shard(
        TsvRecords::open_shard,
        "passages.tsv",
        content.as_bytes(),
        options,
    )
}

/// (id, title, text) of documents and (source, reason) of skips, in order.
fn summary(items: &[ReadItem]) -> Vec<(String, String, String)> {
    items
        .iter()
        .map(|item| match item {
            ReadItem::Document(d) => (d.doc_id.clone(), d.title.clone(), d.text.clone()),
            ReadItem::Skipped(s) => (s.source.clone(), s.reason.to_string(), String::new()),
        })
        .collect()
}

fn row(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.to_string(), b.to_string(), c.to_string())
}

#[test]
fn ms_marco_collection_without_header() {
    let items = read(
        "0\tThe presence of communication.\n1\tThe Manhattan Project.\r\n\n2\t\n3\ta\tb\tc\n4\tlast",
    );
    assert_eq!(
        summary(&items),
        [
            row("0", "", "The presence of communication."),
            row("1", "", "The Manhattan Project."),
            row("passages.tsv:4", "empty", ""),
            row("passages.tsv:5", "invalid_record", ""),
            row("4", "", "last"),
        ]
    );
    let meta = items
        .first()
        .and_then(ReadItem::document)
        .map(|d| d.metadata.clone())
        .unwrap_or_default();
    assert_eq!(meta.get("line").map(String::as_str), Some("1"));
    assert_eq!(meta.get("path").map(String::as_str), Some("passages.tsv"));
}

#[test]
fn dpr_wiki_passages_with_header_and_csv_quotes() {
    assert_eq!(
        summary(&read(
            "id\ttext\ttitle\n1\t\"Aaron Aaron ( or ; \"\"Ahärôn\"\") is a prophet.\"\tAaron\n2\tplain text\t\"Quoted, title\"\n3\tonly two\n"
        )),
        [
            row("1", "Aaron", "Aaron Aaron ( or ; \"Ahärôn\") is a prophet."),
            row("2", "Quoted, title", "plain text"),
            row("passages.tsv:4", "invalid_record", ""),
        ]
    );
}

#[test]
fn three_columns_without_header_are_id_text_title() {
    assert_eq!(
        summary(&read("9\tSome text.\tA Title\n")),
        [row("9", "A Title", "Some text.")]
    );
    assert_eq!(
        summary(&read("just one field\n1\tok\n")),
        [
            row("passages.tsv:1", "invalid_record", ""),
            row("1", "", "ok")
        ]
    );
}

#[test]
fn mappings_name_header_columns() -> Result<(), CorpusError> {
    let fields = FieldMap::parse(&["id=pid,text=passage,url=link".to_string()])?;
    let options = ReaderOptions {
        fields,
        ..ReaderOptions::default()
    };
    let items = read_with(
        "pid\tpassage\tlink\n7\tseven\thttps://7.example/\n",
        &options,
    );
    let urls: Vec<String> = items
        .iter()
        .filter_map(ReadItem::document)
        .map(|d| format!("{} {}", d.doc_id, d.url))
        .collect();
    assert_eq!(urls, ["7 https://7.example/"]);
    // A mapping cannot apply to a file without a header: one skip, then nothing.
    let items = read_with("7\tseven\n8\teight\n", &options);
    assert_eq!(
        summary(&items),
        [row("passages.tsv:1", "invalid_record", "")]
    );
    Ok(())
}

#[test]
fn long_and_non_utf8_lines_are_skipped() -> std::io::Result<()> {
    let options = ReaderOptions {
        max_page_bytes: 16,
        ..ReaderOptions::default()
    };
    let mut content = b"1\tshort\n2\t".to_vec();
    content.extend_from_slice(&[b'x'; 100]);
    content.extend_from_slice(b"\n3\t\xff\xfe\n4\tfine\n");
    let items = read_shard(
        TsvRecords::open_shard,
        "p.tsv.gz",
        &gzip(&content)?,
        &options,
    );
    assert_eq!(
        summary(&items),
        [
            row("1", "", "short"),
            row("p.tsv.gz:2", "too_large", ""),
            row("p.tsv.gz:3", "invalid_utf8", ""),
            row("4", "", "fine"),
        ]
    );
    Ok(())
}
