//! `/ui/snapshot`: what the served snapshot is — its identity, counts, the records the build
//! skipped and why, the build configuration, the embedding model, the canaries and files.
use driftless_api::Manifest;
use maud::{Markup, html};

use crate::layout::page;

/// The snapshot page for `m`; `others` are the ids of the other snapshots this server holds
/// (reachable with `?snapshot=`).
pub fn snapshot_page(m: &Manifest, others: &[String]) -> Markup {
    let build = &m.build;
    let bytes: u64 = m.files.iter().map(|f| f.bytes).sum();
    let dense = build
        .dense
        .as_ref()
        .map(|d| serde_json::to_string_pretty(d).unwrap_or_default());
    let body = html! {
        h1 { "Snapshot" }
        dl.facts {
            dt { "id" } dd { code #snapshot-id { (m.snapshot_id) } }
            dt { "corpus digest" } dd { code { (m.corpus_digest) } }
            dt { "format" } dd { (m.format_version) " · " (build.format) }
            dt { "documents" } dd #documents { (m.counts.documents) }
            dt { "passages" } dd #passages { (m.counts.passages) }
            dt { "files" } dd { (m.files.len()) " files, " (bytes) " bytes" }
        }
        @if !others.is_empty() {
            p { "This server also serves: "
                @for id in others { code { (id) } " " }
                "— pick one with " code { "?snapshot=<id>" } " on any API call." }
        }
        h2 { "Skipped records" }
        @if m.counts.skipped.is_empty() { p.hint { "The build skipped nothing." } }
        @else {
            table.grid {
                thead { tr { th { "reason" } th.num { "records" } } }
                tbody { @for (reason, n) in &m.counts.skipped { tr { td { (reason) } td.num { (n) } } } }
            }
        }
        h2 { "Build configuration" }
        dl.facts {
            dt { "extractor" } dd { (build.extractor) }
            dt { "analyzer" } dd { (build.analyzer) }
            dt { "BM25 k1 / b" } dd { (build.bm25_k1) " / " (build.bm25_b) }
            dt { "splitter" } dd { (build.splitter) ", at most " (build.passage_max_tokens) " tokens a passage" }
            dt { "flagged pages kept" } dd { (build.keep_flagged) }
            dt { "included" } dd { @if build.include.is_empty() { "everything" } @else { @for i in &build.include { code { (i) } " " } } }
            @if !build.fields.is_empty() {
                dt { "field mapping" } dd { @for (k, v) in &build.fields { code { (k) "=" (v) } " " } }
            }
        }
        h2 { "Embedding model" }
        @match dense {
            None => p.hint { "BM25 only: this snapshot has no dense index." },
            Some(json) => pre.json { (json) },
        }
        h2 { "Canaries" }
        p { "Digest " code { (m.canaries.digest) } ": the answers to these queries, checked at every open." }
        ol { @for q in &m.canaries.queries { li { code { (q) } } } }
        details {
            summary { "Files and crate versions" }
            table.grid {
                thead { tr { th { "file" } th.num { "bytes" } th { "sha256" } } }
                tbody { @for f in &m.files { tr { td { code { (f.path) } } td.num { (f.bytes) } td { code.hash { (f.sha256) } } } } }
            }
            ul { @for (name, v) in &m.crate_versions { li { (name) " " (v) } } }
        }
    };
    page("Snapshot", "/ui/snapshot", Some(&m.snapshot_id), &body)
}
