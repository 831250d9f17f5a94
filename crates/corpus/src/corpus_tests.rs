//! Unit tests of opening a corpus: format detection and the errors that stop it.

use std::fs;

use super::*;
use crate::options::FieldMap;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn auto_detects_directories_and_jsonl() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let corpus = open_corpus(tmp.path(), Format::Auto, &ReaderOptions::default())?;
    assert_eq!(corpus.format(), Format::Html);
    assert_eq!(corpus.len_hint(), Some(0));
    let data = tmp.path().join("data.txt");
    fs::write(&data, "  {\"id\":1,\"text\":\"x\"}\n")?;
    let corpus = open_corpus(&data, Format::Auto, &ReaderOptions::default())?;
    assert_eq!(corpus.format(), Format::Jsonl);
    assert_eq!(corpus.len_hint(), None);
    assert_eq!(corpus.count(), 1);
    Ok(())
}

#[test]
fn cannot_start_errors_explain_what_to_do() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let missing = open_corpus(
        &tmp.path().join("nope"),
        Format::Auto,
        &ReaderOptions::default(),
    );
    assert!(matches!(missing, Err(CorpusError::PathUnavailable { .. })));
    let odd = tmp.path().join("data.bin");
    fs::write(&odd, "hello")?;
    let err = open_corpus(&odd, Format::Auto, &ReaderOptions::default())
        .err()
        .map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("--format")));
    // A zstd magic followed by garbage (found by the jsonl_reader fuzzer): not a read
    // failure of the path but a file whose format cannot be told.
    let broken = tmp.path().join("broken.txt");
    fs::write(&broken, b"(\xb5/\xfd d \\u 2y")?;
    let err = detected(&broken).expect_err("a zstd header that does not decode");
    assert!(
        err.contains("does not decompress") && err.contains("--format"),
        "{err}"
    );
    assert!(matches!(
        open_corpus(tmp.path(), Format::Jsonl, &ReaderOptions::default()),
        Err(CorpusError::FormatMismatch { .. })
    ));
    assert!(matches!(
        open_corpus(&odd, Format::Html, &ReaderOptions::default()),
        Err(CorpusError::FormatMismatch { .. })
    ));
    Ok(())
}

/// The format Auto picks for `path`, or the error text.
fn detected(path: &std::path::Path) -> Result<Format, String> {
    open_corpus(path, Format::Auto, &ReaderOptions::default())
        .map(|c| c.format())
        .map_err(|e| e.to_string())
}

#[test]
fn files_are_detected_by_compound_extension_then_content() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let cases = [
        ("a.jsonl.gz", Format::Jsonl),
        ("a.ndjson.zst", Format::Jsonl),
        ("a.JSON", Format::Jsonl),
        ("a.parquet", Format::Parquet),
        ("a.warc.gz", Format::Warc),
        ("a.WARC", Format::Warc),
        ("a.tsv.gz", Format::Tsv),
        ("collection.tsv", Format::Tsv),
    ];
    for (name, format) in cases {
        let path = tmp.path().join(name);
        fs::write(&path, "x")?;
        assert_eq!(detected(&path), Ok(format), "{name}");
    }
    let warc = tmp.path().join("crawl.bin");
    fs::write(&warc, "WARC/1.1\r\n")?;
    assert_eq!(detected(&warc), Ok(Format::Warc));
    let parquet = tmp.path().join("rows.bin");
    fs::write(&parquet, "PAR1....")?;
    assert_eq!(detected(&parquet), Ok(Format::Parquet));
    let page = tmp.path().join("page.html");
    fs::write(&page, "<p>x</p>")?;
    assert!(detected(&page).is_err_and(|e| e.contains("single HTML file")));
    Ok(())
}

#[test]
fn directories_are_html_unless_they_hold_one_shard_format() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    fs::create_dir_all(dir.join("a/b"))?;
    fs::write(dir.join("a/b/part-1.parquet"), "x")?;
    fs::write(dir.join("README.md"), "x")?;
    assert_eq!(detected(dir), Ok(Format::Parquet));
    fs::write(dir.join("a/extra.jsonl.gz"), "x")?;
    let err = detected(dir);
    assert!(
        err.as_ref().is_err_and(|e| e.contains("jsonl, parquet")),
        "{err:?}"
    );
    // An explicit format picks its own shards out of the mix.
    let jsonl = open_corpus(dir, Format::Jsonl, &ReaderOptions::default())?;
    assert_eq!(jsonl.format(), Format::Jsonl);
    fs::write(dir.join("a/page.htm"), "<p>x</p>")?;
    assert_eq!(detected(dir), Ok(Format::Html));
    Ok(())
}

#[test]
fn globs_need_matches_of_one_format() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    fs::write(dir.join("p-1.tsv"), "1\ta\n")?;
    fs::write(dir.join("p-2.tsv.gz"), "x")?;
    fs::write(dir.join("q-1.jsonl"), "x")?;
    assert_eq!(detected(&dir.join("p-*")), Ok(Format::Tsv));
    assert!(detected(&dir.join("*")).is_err_and(|e| e.contains("jsonl, tsv")));
    assert!(detected(&dir.join("z*")).is_err_and(|e| e.contains("matches no file")));
    let explicit = open_corpus(&dir.join("z*"), Format::Tsv, &ReaderOptions::default());
    assert!(matches!(explicit, Err(CorpusError::FormatMismatch { .. })));
    let missing = open_corpus(
        &dir.join("nope/*.tsv"),
        Format::Auto,
        &ReaderOptions::default(),
    );
    assert!(matches!(missing, Err(CorpusError::PathUnavailable { .. })));
    let html = open_corpus(&dir.join("p-*"), Format::Html, &ReaderOptions::default());
    assert!(matches!(html, Err(CorpusError::FormatMismatch { .. })));
    Ok(())
}

#[test]
fn field_maps_and_include_are_refused_where_they_do_not_apply() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let mapped = ReaderOptions {
        fields: FieldMap::parse(&["id=docid".to_string()])?,
        ..ReaderOptions::default()
    };
    let html = open_corpus(tmp.path(), Format::Html, &mapped)
        .err()
        .map(|e| e.to_string());
    assert!(html.is_some_and(|e| e.contains("JSONL, Parquet and TSV")));
    let warc = tmp.path().join("a.warc");
    fs::write(&warc, "")?;
    assert!(matches!(
        open_corpus(&warc, Format::Auto, &mapped),
        Err(CorpusError::FormatMismatch { .. })
    ));
    let include = ReaderOptions {
        include: vec!["x/".into()],
        ..ReaderOptions::default()
    };
    assert!(matches!(
        open_corpus(&warc, Format::Auto, &include),
        Err(CorpusError::FormatMismatch { .. })
    ));
    Ok(())
}
