//! Snapshot layout: file names and the two tantivy schemas (documents and passages).
//!
//! Both indexes score one `content` field (title + text), the way Pyserini indexes
//! `contents`. Documents are added in `doc_id` order and carry their rank in that order as
//! the fast field `ord`, which breaks score ties; tantivy's own `DocId`s are never exposed.
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::ANALYZER_NAME;

/// Snapshot format version written to and required from `manifest.json`.
pub const FORMAT_VERSION: u32 = 1;
/// Manifest file name.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Document index directory.
pub const DOCS_DIR: &str = "docs";
/// Passage index directory.
pub const PASSAGES_DIR: &str = "passages";
/// `build.passage_index` of a snapshot whose passages are searched in the document index
/// (no `passages/` directory): each document is one passage covering its whole text.
pub const SHARED_PASSAGE_INDEX: &str = "shared";

/// Fields of the document index.
#[derive(Debug, Clone, Copy)]
pub struct DocFields {
    /// Document id (raw, stored).
    pub doc_id: Field,
    /// Canonical URL (raw, stored).
    pub url: Field,
    /// Title (stored).
    pub title: Field,
    /// Clean text (stored, returned by fetch).
    pub text: Field,
    /// Title + text, analysed; the BM25 field.
    pub content: Field,
    /// `site:` filter terms: host suffixes and host+path prefixes.
    pub site: Field,
    /// Rank of `doc_id` in sorted order.
    pub ord: Field,
    /// `ord` of this document's first passage.
    pub first_passage: Field,
    /// Number of passages of this document.
    pub passage_count: Field,
}

/// Fields of the passage index.
#[derive(Debug, Clone, Copy)]
pub struct PassageFields {
    /// Title + passage text, analysed; the BM25 field.
    pub content: Field,
    /// `site:` filter terms of the parent document.
    pub site: Field,
    /// Rank of the passage in (doc_id, ordinal) order.
    pub ord: Field,
    /// `ord` of the parent document.
    pub doc_ord: Field,
    /// Passage number within its document.
    pub ordinal: Field,
    /// Byte span in the document text.
    pub byte_start: Field,
    /// Byte span end.
    pub byte_end: Field,
    /// Character span in the document text.
    pub char_start: Field,
    /// Character span end.
    pub char_end: Field,
}

fn content_options() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

/// The document schema and its fields.
pub fn doc_schema() -> (Schema, DocFields) {
    let mut builder = Schema::builder();
    let fields = DocFields {
        doc_id: builder.add_text_field("doc_id", STRING | STORED),
        url: builder.add_text_field("url", STRING | STORED),
        title: builder.add_text_field("title", STORED),
        text: builder.add_text_field("text", STORED),
        content: builder.add_text_field("content", content_options()),
        site: builder.add_text_field("site", STRING),
        ord: builder.add_u64_field("ord", FAST | INDEXED),
        first_passage: builder.add_u64_field("first_passage", FAST),
        passage_count: builder.add_u64_field("passage_count", FAST),
    };
    (builder.build(), fields)
}

/// The passage schema and its fields.
pub fn passage_schema() -> (Schema, PassageFields) {
    let mut builder = Schema::builder();
    let fields = PassageFields {
        content: builder.add_text_field("content", content_options()),
        site: builder.add_text_field("site", STRING),
        ord: builder.add_u64_field("ord", FAST),
        doc_ord: builder.add_u64_field("doc_ord", FAST),
        ordinal: builder.add_u64_field("ordinal", FAST),
        byte_start: builder.add_u64_field("byte_start", FAST),
        byte_end: builder.add_u64_field("byte_end", FAST),
        char_start: builder.add_u64_field("char_start", FAST),
        char_end: builder.add_u64_field("char_end", FAST),
    };
    (builder.build(), fields)
}

/// Terms under which a URL answers `site:` filters: every host suffix with at least two
/// labels (`www.postgresql.org`, `postgresql.org`) and the full host followed by each
/// directory prefix of the path (`docs.python.org/3.11`, `docs.python.org/3.11/library`).
pub fn site_terms(url: &str) -> Vec<String> {
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest,
        None => return Vec::new(),
    };
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let labels: Vec<&str> = host.split('.').collect();
    for start in 0..labels.len() {
        if labels.len() - start >= 2 || labels.len() == 1 {
            terms.push(labels[start..].join("."));
        }
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Directory prefixes only: the last segment of `a/b/page.html` is the page itself.
    let dirs = if path.ends_with('/') {
        segments.len()
    } else {
        segments.len().saturating_sub(1)
    };
    let mut prefix = host.clone();
    for segment in &segments[..dirs] {
        prefix.push('/');
        prefix.push_str(&segment.to_ascii_lowercase());
        terms.push(prefix.clone());
    }
    terms
}

/// Normalises a `site:` operand the way [`site_terms`] writes terms.
pub fn normalize_site(operand: &str) -> String {
    let operand = operand.split_once("://").map_or(operand, |(_, rest)| rest);
    operand.trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_terms_cover_host_suffixes_and_directories() {
        assert_eq!(
            site_terms("https://docs.python.org/3.11/library/os.html"),
            vec![
                "docs.python.org",
                "python.org",
                "docs.python.org/3.11",
                "docs.python.org/3.11/library"
            ]
        );
        assert_eq!(
            site_terms("https://docs.djangoproject.com/en/3.2/topics/db/"),
            vec![
                "docs.djangoproject.com",
                "djangoproject.com",
                "docs.djangoproject.com/en",
                "docs.djangoproject.com/en/3.2",
                "docs.djangoproject.com/en/3.2/topics",
                "docs.djangoproject.com/en/3.2/topics/db"
            ]
        );
        assert_eq!(site_terms("file:///a/b.html"), Vec::<String>::new());
        assert_eq!(site_terms("not a url"), Vec::<String>::new());
    }

    #[test]
    fn site_operands_are_normalised() {
        assert_eq!(
            normalize_site("https://Docs.Python.org/3.11/"),
            "docs.python.org/3.11"
        );
        assert_eq!(normalize_site("postgresql.org"), "postgresql.org");
    }
}
