//! `build` from each web-scale format, files written by the test: JSONL.gz shards, a
//! FineWeb-layout Parquet file (two row groups), a multi-member WARC.gz of real HTML pages,
//! an MS MARCO TSV, and a foreign JSONL schema mapped with `--field`.
mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{fetch, quiet_options};
use driftless_api::{Mode, SearchRequest};
use driftless_corpus::FieldMap;
use driftless_ingest::{BuildSummary, build};

fn gz(path: &Path, text: &str) {
    let file = std::fs::File::create(path).expect("create");
    let mut encoder = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    encoder.write_all(text.as_bytes()).expect("gz");
    encoder.finish().expect("gz finish");
}

fn build_from(corpus: &Path, out: &Path, fields: &[&str]) -> BuildSummary {
    let mut options = quiet_options(corpus, out);
    let specs: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    options.reader.fields = FieldMap::parse(&specs).expect("fields");
    let summary = build(&options).expect("build");
    assert!(summary.peak_rss_bytes.is_some_and(|b| b > 0));
    summary
}

fn top_url(snapshot: &Path, q: &str) -> String {
    let snapshot = driftless_index::Snapshot::open(snapshot).expect("open");
    let mut request = SearchRequest::new(q);
    request.mode = Some(Mode::Bm25);
    let response = snapshot.search(&request).expect("search");
    let value = serde_json::to_value(&response).expect("json");
    value["results"][0]["url"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Builds `corpus` into `dir/snap`, checks it holds `documents` documents and that the best
/// BM25 hit for `query` is `url`; the summary is returned for the format's own checks.
fn build_and_find(
    corpus: &Path,
    dir: &Path,
    documents: u64,
    query: &str,
    url: &str,
) -> BuildSummary {
    let summary = build_from(corpus, &dir.join("snap"), &[]);
    assert_eq!(summary.documents, documents, "{summary:?}");
    assert_eq!(top_url(&dir.join("snap"), query), url);
    summary
}

/// Writes `text` to `dir/name`, returning the path.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn jsonl_gz_shards_in_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shards = dir.path().join("shards");
    std::fs::create_dir_all(&shards).expect("mkdir");
    gz(
        &shards.join("part-0001.jsonl.gz"),
        "{\"id\":\"b\",\"url\":\"https://e.org/b\",\"title\":\"Bees\",\"text\":\"bees make honey\"}\n",
    );
    gz(
        &shards.join("part-0000.jsonl.gz"),
        "{\"id\":\"a\",\"url\":\"https://e.org/a\",\"title\":\"Ants\",\"text\":\"ants carry leaves\"}\nnot json\n",
    );
    let summary = build_and_find(&shards, dir.path(), 2, "honey", "https://e.org/b");
    assert_eq!(summary.skipped.get("invalid_record"), Some(&1));
}

#[test]
fn a_fineweb_parquet_shard() {
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("000_00000.parquet");
    let schema = "message fineweb { required binary text (UTF8); required binary id (UTF8); \
                  required binary url (UTF8); required binary dump (UTF8); }";
    let schema = Arc::new(parquet::schema::parser::parse_message_type(schema).expect("schema"));
    let props = Arc::new(WriterProperties::builder().build());
    let file = std::fs::File::create(&path).expect("create");
    let mut writer = SerializedFileWriter::new(file, schema, props).expect("writer");
    let groups = [
        vec![
            (
                "the lighthouse keeper logs every ship",
                "<urn:uuid:1>",
                "https://sea.org/light",
            ),
            (
                "tide tables for the northern harbour",
                "<urn:uuid:2>",
                "https://sea.org/tide",
            ),
        ],
        vec![(
            "glacier melt measured each spring",
            "<urn:uuid:3>",
            "https://ice.org/melt",
        )],
    ];
    for rows in &groups {
        let mut group = writer.next_row_group().expect("group");
        for column in 0..4 {
            let values: Vec<ByteArray> = rows
                .iter()
                .map(|(text, id, url)| ByteArray::from([*text, *id, *url, "CC-MAIN-2024"][column]))
                .collect();
            let mut out = group.next_column().expect("column").expect("some column");
            out.typed::<ByteArrayType>()
                .write_batch(&values, None, None)
                .expect("write");
            out.close().expect("close column");
        }
        group.close().expect("close group");
    }
    writer.close().expect("close");
    build_and_find(&path, dir.path(), 3, "glacier", "https://ice.org/melt");
}

fn warc_record(headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = b"WARC/1.0\r\n".to_vec();
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

fn http(content_type: &str, html: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{html}",
        html.len()
    )
    .into_bytes()
}

#[test]
fn a_warc_gz_of_html_responses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("crawl-00000.warc.gz");
    let page = |title: &str, body: &str| {
        format!(
            "<!DOCTYPE html><html><head><title>{title}</title></head><body><nav><a href=\"/\">Home</a></nav><main><h1>{title}</h1><p>{body}</p><p>{body} again, with more words so the page is not empty.</p></main></body></html>"
        )
    };
    let records = [
        warc_record(
            &[
                ("WARC-Type", "warcinfo"),
                ("WARC-Record-ID", "<urn:uuid:0>"),
            ],
            b"software: test",
        ),
        warc_record(
            &[
                ("WARC-Type", "response"),
                ("WARC-Record-ID", "<urn:uuid:aa>"),
                ("WARC-Target-URI", "https://birds.org/owls"),
                ("Content-Type", "application/http; msgtype=response"),
            ],
            &http(
                "text/html; charset=utf-8",
                &page("Owls", "owls hunt at night over the meadow"),
            ),
        ),
        warc_record(
            &[
                ("WARC-Type", "response"),
                ("WARC-Record-ID", "<urn:uuid:bb>"),
                ("WARC-Target-URI", "https://birds.org/logo.png"),
                ("Content-Type", "application/http; msgtype=response"),
            ],
            &http("image/png", "\u{1}PNG"),
        ),
    ];
    // One gzip member per record, as Common Crawl and ClueWeb write them.
    let file = std::fs::File::create(&path).expect("create");
    let mut file = std::io::BufWriter::new(file);
    for record in &records {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(record).expect("gz");
        file.write_all(&encoder.finish().expect("gz"))
            .expect("write");
    }
    drop(file);
    let summary = build_and_find(
        &path,
        dir.path(),
        1,
        "owls meadow",
        "https://birds.org/owls",
    );
    assert_eq!(summary.skipped.values().sum::<u64>(), 1, "{summary:?}");
}

#[test]
fn tsv_and_a_mapped_jsonl_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tsv = write(
        dir.path(),
        "collection.tsv",
        "0\tthe manhattan project was a research effort\n1\tsaturn has rings\n",
    );
    let summary = build_from(&tsv, &dir.path().join("tsv"), &[]);
    assert_eq!(summary.documents, 2, "{summary:?}");

    let jsonl = write(
        dir.path(),
        "foreign.jsonl",
        "{\"docid\":\"x1\",\"body\":\"volcanoes erupt basalt\",\"link\":\"https://geo.org/v\"}\n",
    );
    let out = dir.path().join("mapped");
    let summary = build_from(&jsonl, &out, &["id=docid", "text=body", "url=link"]);
    assert_eq!(summary.documents, 1, "{summary:?}");
    let manifest = driftless_index::Snapshot::read_manifest(&out).expect("manifest");
    assert_eq!(
        manifest.build.fields.get("text").map(String::as_str),
        Some("body")
    );
    assert_eq!(fetch(&out, "x1").url, "https://geo.org/v");
}
