//! Unit tests of shard naming, directory walks and globs.

use super::*;
use crate::test_files::write_files;

#[test]
fn wildcards_match_whole_names() {
    assert!(wildcard_match("*.jsonl.gz", "part-0001.jsonl.gz"));
    assert!(wildcard_match("part-????.parquet", "part-0001.parquet"));
    assert!(!wildcard_match("part-????.parquet", "part-01.parquet"));
    assert!(wildcard_match("*", ""));
    assert!(wildcard_match("a*b*c", "aXbYbZc"));
    assert!(!wildcard_match("a*b*c", "aXbYbZ"));
    assert!(!wildcard_match("*.tsv", "x.tsv.gz"));
    assert!(wildcard_match("**x", "abx"));
    assert!(wildcard_match("dé?à*", "déjà vu"));
}

#[test]
fn shard_formats_come_from_compound_extensions() {
    let cases = [
        ("a.jsonl", Some(Format::Jsonl)),
        ("a.jsonl.gz", Some(Format::Jsonl)),
        ("a.JSONL.ZST", Some(Format::Jsonl)),
        ("a.ndjson.zstd", Some(Format::Jsonl)),
        ("a.json", None),
        ("a.parquet", Some(Format::Parquet)),
        ("a.parquet.gz", None),
        ("a.warc", Some(Format::Warc)),
        ("a.warc.gz", Some(Format::Warc)),
        ("a.tsv.gz", Some(Format::Tsv)),
        ("a.txt", None),
        ("a.html", None),
    ];
    for (name, format) in cases {
        assert_eq!(format_of_name(name, false), format, "{name}");
    }
    assert_eq!(format_of_name("a.json.gz", true), Some(Format::Jsonl));
}

#[test]
fn directory_walks_are_sorted_and_pass_over_hidden_entries()
-> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let d = tmp.path();
    write_files(
        d,
        &[
            "z.jsonl",
            "b/c/2.jsonl.gz",
            "b/1.jsonl.zst",
            "a.jsonl",
            ".cache/hidden.jsonl",
            "._a.jsonl",
            "notes.txt",
        ],
        "x",
    )?;
    let listing = list_dir(d, false)?;
    assert!(!listing.has_html);
    let names: Vec<String> = listing
        .of(Format::Jsonl)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        names,
        ["a.jsonl", "b/1.jsonl.zst", "b/c/2.jsonl.gz", "z.jsonl"]
    );
    assert_eq!(listing.formats(), [Format::Jsonl]);
    fs::write(d.join(DESCRIPTION_FILE), "")?;
    assert!(list_dir(d, false)?.has_html);
    assert_eq!(list_dir(d, false)?.shards.len(), 4);
    assert!(list_dir(d, true)?.has_html);
    Ok(())
}

#[cfg(unix)]
#[test]
fn linked_shards_are_followed_but_linked_directories_are_not()
-> Result<(), Box<dyn std::error::Error>> {
    use std::os::unix::fs::symlink;
    let blobs = tempfile::tempdir()?;
    fs::write(blobs.path().join("blob"), "x")?;
    let tmp = tempfile::tempdir()?;
    let d = tmp.path();
    fs::create_dir_all(d.join("data"))?;
    symlink(blobs.path().join("blob"), d.join("data/train-0.parquet"))?;
    symlink(d.join("data"), d.join("loop"))?;
    symlink(d.join("missing"), d.join("broken.parquet"))?;
    let names: Vec<String> = list_dir(d, false)?
        .of(Format::Parquet)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["data/train-0.parquet"]);
    let globbed = list_glob(&d.join("data"), "*.parquet")?;
    assert_eq!(globbed.len(), 1);
    Ok(())
}

#[test]
fn globs_resolve_against_the_parent_directory() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let d = tmp.path();
    write_files(
        d,
        &["s-2.tsv", "s-10.tsv", "s-1.tsv", ".s-3.tsv", "t.tsv"],
        "x",
    )?;
    fs::create_dir_all(d.join("s-dir"))?;
    let target = resolve_target(&d.join("s-*"))?;
    let Target::Glob { dir, pattern } = target else {
        return Err(format!("not a glob: {target:?}").into());
    };
    let names: Vec<String> = list_glob(&dir, &pattern)?
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["s-1.tsv", "s-10.tsv", "s-2.tsv"]);
    assert!(matches!(resolve_target(d)?, Target::Dir(_)));
    assert!(matches!(resolve_target(&d.join("t.tsv"))?, Target::File(_)));
    assert!(resolve_target(&d.join("u.tsv")).is_err());
    Ok(())
}
