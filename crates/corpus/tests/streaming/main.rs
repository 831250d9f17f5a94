//! End-to-end tests of the streaming readers through `open_corpus`, on files the tests
//! write: compressed JSONL shards in directories and globs, a multi-member WARC.gz with
//! every kind of record, TSV corpora, and random bytes that must never panic.

mod jsonl_shards;
mod no_panic;
mod tsv;
mod warc;
#[path = "../../src/warc_fixture.rs"]
mod warc_fixture;

use std::io::Write;
use std::path::Path;

use driftless_corpus::{Document, Format, ReadItem, ReaderOptions, Skip, open_corpus};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Gzip of `data` as one member.
pub fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data)?;
    gz.finish()
}

/// Writes `content` to `root/rel`, creating directories.
pub fn put(root: &Path, rel: &str, content: &[u8]) -> std::io::Result<()> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, content)
}

/// Writes `content` as the file `name` in a new temporary directory and reads all its
/// items through `open_corpus`, the format detected from the name.
pub fn read_file(
    name: &str,
    content: &str,
    options: &ReaderOptions,
) -> Result<Vec<ReadItem>, Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let path = tmp.path().join(name);
    std::fs::write(&path, content)?;
    Ok(open_corpus(&path, Format::Auto, options)?.collect())
}

pub fn docs(items: &[ReadItem]) -> Vec<&Document> {
    items.iter().filter_map(ReadItem::document).collect()
}

pub fn skips(items: &[ReadItem]) -> Vec<&Skip> {
    items.iter().filter_map(ReadItem::skip).collect()
}

/// (id, title, text) of the documents, in order.
pub fn id_title_text(items: &[ReadItem]) -> Vec<(&str, &str, &str)> {
    docs(items)
        .into_iter()
        .map(|d| (d.doc_id.as_str(), d.title.as_str(), d.text.as_str()))
        .collect()
}
