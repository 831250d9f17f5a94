//! Shared fixtures: small corpora written by the tests, built with the real ingest path.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use driftless_api::{FetchRequest, SearchRequest, SearchResponse};
use driftless_index::Snapshot;
use driftless_ingest::{BuildOptions, Progress, build};
use serde_json::json;

/// A built snapshot living in a temp directory.
pub struct Built {
    pub dir: tempfile::TempDir,
    pub snapshot: Snapshot,
}

impl Built {
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("snapshot")
    }
}

/// Writes `docs` (id, title, text) as JSONL with https://example.org/<id> URLs.
pub fn write_jsonl(dir: &Path, docs: &[(&str, &str, &str)]) -> PathBuf {
    let path = dir.join("corpus.jsonl");
    let lines: Vec<String> = docs
        .iter()
        .map(|(id, title, text)| {
            json!({"id": id, "url": format!("https://example.org/{id}"), "title": title, "text": text})
                .to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").expect("write corpus");
    path
}

pub fn build_at(corpus: &Path, out: &Path) -> Snapshot {
    let mut options = BuildOptions::new(corpus, out);
    options.progress = Progress::Hidden;
    options.overwrite = true;
    build(&options).expect("build");
    Snapshot::open(out).expect("open")
}

/// Builds a snapshot from JSONL documents.
pub fn build_jsonl(docs: &[(&str, &str, &str)]) -> Built {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = write_jsonl(dir.path(), docs);
    let snapshot = build_at(&corpus, &dir.path().join("snapshot"));
    Built { dir, snapshot }
}

/// The answer to "create index concurrently" over PostgreSQL pages (the real ones or
/// [`write_html_site`]'s): its top hit must be the CREATE INDEX page, whose fetched text
/// (returned too) mentions CONCURRENTLY.
pub fn create_index_concurrently(s: &Snapshot) -> (SearchResponse, String) {
    let response = s
        .search(&SearchRequest::new("create index concurrently"))
        .expect("search");
    let top = &response.results[0];
    assert_eq!(
        top.url,
        "https://www.postgresql.org/docs/15/sql-createindex.html"
    );
    let text = s
        .fetch(&FetchRequest {
            doc_id: Some(top.doc_id.clone()),
            ..Default::default()
        })
        .expect("fetch")
        .text;
    assert!(text.contains("CONCURRENTLY"));
    (response, text)
}

/// A small HTML site in the shape of the PostgreSQL docs (navigation included, which
/// must not reach the index).
pub fn write_html_site(root: &Path) {
    let pages = [
        (
            "sql-createindex.html",
            "CREATE INDEX",
            "CREATE INDEX constructs an index on the specified column(s) of the specified relation. When CONCURRENTLY is used, PostgreSQL builds the index without taking any locks that prevent concurrent inserts, updates, or deletes on the table.",
        ),
        (
            "sql-dropindex.html",
            "DROP INDEX",
            "DROP INDEX drops an existing index from the database system. With CONCURRENTLY, the index is dropped without locking out concurrent selects, inserts, updates, and deletes on the index's table.",
        ),
        (
            "ddl-constraints.html",
            "5.4. Constraints",
            "Unique constraints ensure that the data contained in a column, or a group of columns, is unique among all the rows in the table. A primary key constraint indicates that a column can be used as a unique identifier.",
        ),
        (
            "sql-vacuum.html",
            "VACUUM",
            "VACUUM reclaims storage occupied by dead tuples. In normal PostgreSQL operation, tuples that are deleted or obsoleted by an update are not physically removed from their table.",
        ),
        (
            "tutorial-join.html",
            "2.6. Joins Between Tables",
            "Queries can access multiple tables at once, or access the same table in such a way that multiple rows of the table are being processed at the same time. A query that accesses multiple rows is called a join query.",
        ),
    ];
    let dir = root.join("postgresql-doc-15/html");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (file, title, body) in pages {
        let html = format!(
            r#"<!DOCTYPE html><html><head><title>PostgreSQL: Documentation: 15: {title}</title></head><body>
<div class="navheader"><table width="100%"><tr><th colspan="3" align="center">{title}</th></tr>
<tr><td><a accesskey="p" href="prev.html">Prev</a> </td><td><a accesskey="u" href="up.html">Up</a></td><td><a accesskey="n" href="next.html">Next</a></td></tr></table><hr /></div>
<div class="refentry"><h2>{title}</h2><p>{body}</p><pre class="programlisting">SELECT 1;</pre></div>
<div class="navfooter"><hr /><table width="100%"><tr><td><a href="prev.html">Prev</a></td><td><a href="index.html">Home</a></td><td><a href="next.html">Next</a></td></tr></table></div>
</body></html>"#
        );
        std::fs::write(dir.join(file), html).expect("write page");
    }
}

/// Asserts that MaxScore (`Bm25Index::top`) gives exactly the exhaustive ranking of `unit`
/// for one query and (k1, b, limit), to the bit; returns that ranking.
pub fn pruned_is_exhaustive(
    snapshot: &Snapshot,
    unit: driftless_api::Unit,
    q: &str,
    parsed: &driftless_index::query::ParsedQuery,
    params: driftless_index::bm25::Bm25Params,
    limit: usize,
) -> Vec<driftless_index::bm25::Scored> {
    let index = snapshot.bm25_index(unit);
    let pruned = index.top(parsed, params, limit).expect("top");
    let exhaustive = index.top_exhaustive(parsed, params, limit).expect("top");
    let (k1, b) = (params.k1, params.b);
    assert_eq!(
        pruned, exhaustive,
        "{q:?} k1={k1} b={b} limit={limit} {unit:?}"
    );
    exhaustive
}
