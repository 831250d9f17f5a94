//! TSV corpora through `open_corpus`: MS MARCO without a header, DPR with one.

use driftless_corpus::{FieldMap, Format, ReadItem, ReaderOptions, SkipReason, open_corpus};

use crate::{TestResult, gzip, id_title_text, put, read_file, skips};

#[test]
fn a_directory_of_tsv_shards_with_and_without_header() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    put(
        root,
        "collection.tsv",
        b"0\tThe presence of communication.\n1\n2\tThe Manhattan Project.\n",
    )?;
    let dpr = "id\ttext\ttitle\n1\t\"Aaron is a prophet.\"\tAaron\n2\tZeus rules.\tZeus\n";
    put(root, "psgs_w100.tsv.gz", &gzip(dpr.as_bytes())?)?;
    let corpus = open_corpus(root, Format::Auto, &ReaderOptions::default())?;
    assert_eq!(corpus.format(), Format::Tsv);
    let items: Vec<ReadItem> = corpus.collect();
    assert_eq!(
        id_title_text(&items),
        [
            ("0", "", "The presence of communication."),
            ("2", "", "The Manhattan Project."),
            ("1", "Aaron", "Aaron is a prophet."),
            ("2", "Zeus", "Zeus rules."),
        ]
    );
    let bad: Vec<(&str, SkipReason)> = skips(&items)
        .iter()
        .map(|s| (s.source.as_str(), s.reason))
        .collect();
    assert_eq!(bad, [("collection.tsv:2", SkipReason::InvalidRecord)]);
    Ok(())
}

#[test]
fn a_mapping_names_the_header_columns() -> TestResult {
    let options = ReaderOptions {
        fields: FieldMap::parse(&[
            "id=docid,text=body".to_string(),
            "title=headline".to_string(),
        ])?,
        ..ReaderOptions::default()
    };
    let items = read_file(
        "docs.tsv",
        "docid\tbody\theadline\nd-1\tMapped body.\tMapped title\n",
        &options,
    )?;
    assert_eq!(
        id_title_text(&items),
        [("d-1", "Mapped title", "Mapped body.")]
    );
    Ok(())
}
