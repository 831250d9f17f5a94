//! JSONL shards: plain, multi-member gzip and zstd, in a directory tree and via globs; and
//! a single JSONL file.

use driftless_corpus::{Format, ReadItem, ReaderOptions, SkipReason, open_corpus};

use crate::{TestResult, docs, gzip, put, read_file, skips};

fn line(id: &str, text: &str) -> String {
    format!("{{\"id\":\"{id}\",\"text\":\"{text}\"}}\n")
}

#[test]
fn a_directory_of_compressed_shards_reads_in_path_order() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    // Two gzip members in one file, as `cat a.gz b.gz` or a parallel compressor makes.
    let mut multi = gzip(line("g1", "one").as_bytes())?;
    multi.extend(gzip(format!("not json\n{}", line("g2", "two")).as_bytes())?);
    put(root, "a.jsonl.gz", &multi)?;
    let zst = zstd::encode_all(
        format!("{}{}", line("z1", "three"), line("z2", "four")).as_bytes(),
        3,
    )?;
    put(root, "b/part-2.jsonl.zst", &zst)?;
    put(root, "b/part-10.ndjson", line("n1", "five").as_bytes())?;
    put(root, "README.md", b"# not a shard")?;
    put(root, ".hidden/x.jsonl", line("h", "hidden").as_bytes())?;
    let corpus = open_corpus(root, Format::Auto, &ReaderOptions::default())?;
    assert_eq!((corpus.format(), corpus.len_hint()), (Format::Jsonl, None));
    let items: Vec<ReadItem> = corpus.collect();
    let ids: Vec<&str> = docs(&items).iter().map(|d| d.doc_id.as_str()).collect();
    assert_eq!(ids, ["g1", "g2", "n1", "z1", "z2"]);
    let paths: Vec<&str> = docs(&items)
        .iter()
        .filter_map(|d| d.metadata.get("path").map(String::as_str))
        .collect();
    assert_eq!(
        paths,
        [
            "a.jsonl.gz",
            "a.jsonl.gz",
            "b/part-10.ndjson",
            "b/part-2.jsonl.zst",
            "b/part-2.jsonl.zst"
        ]
    );
    let bad: Vec<(&str, SkipReason)> = skips(&items)
        .iter()
        .map(|s| (s.source.as_str(), s.reason))
        .collect();
    assert_eq!(bad, [("a.jsonl.gz:2", SkipReason::InvalidRecord)]);
    // The same tree with --format jsonl given.
    assert_eq!(
        open_corpus(root, Format::Jsonl, &ReaderOptions::default())?.count(),
        6
    );
    Ok(())
}

#[test]
fn a_glob_reads_the_matching_shards_sorted() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    for (name, id) in [
        ("part-00002", "c"),
        ("part-00000", "a"),
        ("part-00001", "b"),
    ] {
        put(
            root,
            &format!("shards/{name}.jsonl.gz"),
            &gzip(line(id, "x").as_bytes())?,
        )?;
    }
    put(root, "shards/other.jsonl", line("o", "x").as_bytes())?;
    let corpus = open_corpus(
        &root.join("shards/part-*.jsonl.gz"),
        Format::Auto,
        &ReaderOptions::default(),
    )?;
    assert_eq!(corpus.format(), Format::Jsonl);
    let items: Vec<ReadItem> = corpus.collect();
    let ids: Vec<&str> = docs(&items).iter().map(|d| d.doc_id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let first = docs(&items)
        .first()
        .and_then(|d| d.metadata.get("path").cloned());
    assert_eq!(first.as_deref(), Some("part-00000.jsonl.gz"));
    Ok(())
}

#[test]
fn a_cut_gzip_shard_is_truncated_and_the_next_shard_still_reads() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    let lines: String = (0..400)
        .map(|i| line(&format!("a{i}"), &format!("text {}", i * 7919 % 1000)))
        .collect();
    let mut cut = gzip(lines.as_bytes())?;
    cut.truncate(cut.len() / 2);
    put(root, "1.jsonl.gz", &cut)?;
    put(root, "2.jsonl.gz", &gzip(line("b", "x").as_bytes())?)?;
    let items: Vec<ReadItem> =
        open_corpus(root, Format::Auto, &ReaderOptions::default())?.collect();
    let ids: Vec<&str> = docs(&items).iter().map(|d| d.doc_id.as_str()).collect();
    assert!(ids.len() > 1 && ids.len() < 400, "{}", ids.len());
    assert_eq!(ids.last(), Some(&"b"));
    let bad: Vec<(&str, SkipReason)> = skips(&items)
        .iter()
        .map(|s| (s.source.as_str(), s.reason))
        .collect();
    assert_eq!(bad.len(), 1);
    assert!(
        bad.iter()
            .all(|(source, reason)| source.starts_with("1.jsonl.gz:")
                && *reason == SkipReason::Truncated)
    );
    Ok(())
}

#[test]
fn jsonl_corpus_reads_records() -> TestResult {
    let items = read_file(
        "wiki.jsonl",
        "{\"id\": 7, \"contents\": \"\\\"Aaron\\\"\\nAaron is a prophet.\"}\n{\"id\":\"x\"}\n",
        &ReaderOptions::default(),
    )?;
    match items.as_slice() {
        [ReadItem::Document(d), ReadItem::Skipped(s)] => {
            assert_eq!(
                (d.doc_id.as_str(), d.title.as_str(), d.url.as_str()),
                ("7", "Aaron", "urn:driftless:7")
            );
            assert_eq!(
                (s.source.as_str(), s.reason),
                ("wiki.jsonl:2", SkipReason::InvalidRecord)
            );
        }
        other => return Err(format!("unexpected items: {other:?}").into()),
    }
    Ok(())
}
