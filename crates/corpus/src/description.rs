//! The corpus description file: one [`PageDescription`] per line, listing
//! the pages of an HTML corpus with their doc_id, URL and flags. When the
//! file exists the reader follows it instead of the built-in site rules, so
//! a corpus can be curated (ids fixed, pages flagged) without code changes.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::CorpusError;
use crate::html_text::{PageAnalysis, analyze_html};
use crate::options::ReaderOptions;
use crate::page_flags::{INDEX_PAGE, is_index_path, page_flags};
use crate::site_rules::{PageIdentity, generic_url, identify};
use crate::tree_walk::{CorpusRoot, list_html_files};

/// File name of the description inside the corpus root.
pub const DESCRIPTION_FILE: &str = "driftless-corpus.jsonl";

/// One page of an HTML corpus as listed in the description file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageDescription {
    /// Path relative to the corpus root, '/'-separated.
    pub path: String,
    /// Document id to use for the page.
    pub doc_id: String,
    /// Public URL of the page.
    pub url: String,
    /// Site the page belongs to (e.g. `postgresql-15`).
    pub site: String,
    /// `redirect_stub` and/or `index_page`; flagged pages are skipped unless
    /// the reader keeps them.
    #[serde(default)]
    pub flags: Vec<String>,
}

/// Describes every HTML page under `root` using the built-in site rules,
/// reading each page to find redirect stubs and canonical links. Sorted by path.
pub fn describe(root: &Path) -> Result<Vec<PageDescription>, CorpusError> {
    let root = CorpusRoot::open(root)?;
    let (files, _unlistable) = list_html_files(&root)?;
    let limit = ReaderOptions::default().max_page_bytes;
    let mut pages = Vec::with_capacity(files.len());
    for rel in files {
        // Unreadable or odd pages are still listed (from their path alone);
        // the reader reports the actual problem when it reads them.
        let analysis = root
            .resolve(&rel)
            .ok()
            .filter(|p| fs::metadata(p).is_ok_and(|m| m.len() <= limit))
            .and_then(|p| fs::read(p).ok())
            .map(|bytes| analyze_html(&String::from_utf8_lossy(&bytes)));
        pages.push(describe_page(&root, &rel, analysis.as_ref()));
    }
    Ok(pages)
}

/// Description of one page from its path and, when available, its content.
pub(crate) fn describe_page(
    root: &CorpusRoot,
    rel: &str,
    analysis: Option<&PageAnalysis>,
) -> PageDescription {
    let identity = identify(&root.abs, rel);
    let flags = match analysis {
        Some(a) => page_flags(&identity, a),
        None if is_index_path(&identity) => vec![INDEX_PAGE.to_string()],
        None => Vec::new(),
    };
    let canonical = analysis.and_then(|a| a.extracted.canonical_url.as_deref());
    let url = url_for(&identity, rel, canonical);
    PageDescription {
        path: rel.to_string(),
        doc_id: identity.doc_id,
        url,
        site: identity.site,
        flags,
    }
}

/// The URL of a page: the site rule's, else the canonical link, else `file:///`.
pub(crate) fn url_for(identity: &PageIdentity, rel: &str, canonical: Option<&str>) -> String {
    match &identity.url {
        Some(url) => url.clone(),
        None => generic_url(rel, canonical),
    }
}

/// Writes `root/DESCRIPTION_FILE`, one JSON object per line. Written to a
/// temporary name first and renamed, so readers never see half a file.
pub fn write_description(root: &Path, pages: &[PageDescription]) -> Result<(), CorpusError> {
    let target = root.join(DESCRIPTION_FILE);
    let tmp = root.join(format!("{DESCRIPTION_FILE}.tmp"));
    let io_err = |source| CorpusError::Io {
        path: tmp.clone(),
        source,
    };
    let mut out = std::io::BufWriter::new(fs::File::create(&tmp).map_err(io_err)?);
    for page in pages {
        let line = serde_json::to_string(page).map_err(|e| io_err(std::io::Error::other(e)))?;
        out.write_all(line.as_bytes()).map_err(io_err)?;
        out.write_all(b"\n").map_err(io_err)?;
    }
    out.into_inner()
        .map_err(|e| io_err(e.into_error()))?
        .sync_all()
        .map_err(io_err)?;
    fs::rename(&tmp, &target).map_err(|source| CorpusError::Io {
        path: target.clone(),
        source,
    })
}

/// Reads `root/DESCRIPTION_FILE` if it exists, in file order.
pub(crate) fn read_description(root: &Path) -> Result<Option<Vec<PageDescription>>, CorpusError> {
    let path = root.join(DESCRIPTION_FILE);
    let file = match fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CorpusError::InvalidDescription {
                path,
                reason: e.to_string(),
            });
        }
    };
    let mut pages = Vec::new();
    for (idx, line) in BufReader::new(file).lines().enumerate() {
        let line_no = idx + 1;
        let line = line.map_err(|e| CorpusError::InvalidDescription {
            path: path.clone(),
            reason: format!("line {line_no}: {e}"),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let page: PageDescription =
            serde_json::from_str(&line).map_err(|e| CorpusError::InvalidDescription {
                path: path.clone(),
                reason: format!("line {line_no}: {e}"),
            })?;
        pages.push(page);
    }
    Ok(Some(pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_round_trips() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let pages = vec![PageDescription {
            path: "a/b.html".into(),
            doc_id: "x/b".into(),
            url: "https://e.org/b".into(),
            site: "x".into(),
            flags: vec!["index_page".into()],
        }];
        write_description(tmp.path(), &pages)?;
        assert_eq!(read_description(tmp.path())?, Some(pages));
        Ok(())
    }

    #[test]
    fn missing_description_is_none_and_bad_lines_are_errors()
    -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        assert_eq!(read_description(tmp.path())?, None);
        fs::write(
            tmp.path().join(DESCRIPTION_FILE),
            "{\"path\":\"a.html\",\"doc_id\":\"a\",\"url\":\"u\",\"site\":\"s\"}\n\nnot json\n",
        )?;
        let err = read_description(tmp.path())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("line 3"), "{err}");
        Ok(())
    }

    #[test]
    fn describe_uses_rules_flags_and_canonical_links() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let d = tmp.path();
        fs::write(
            d.join("page.html"),
            "<html><head><link rel=canonical href=\"https://e.org/p\"></head><body><p>x</p></body></html>",
        )?;
        fs::write(
            d.join("search.html"),
            "<html><body><p>search</p></body></html>",
        )?;
        fs::write(
            d.join("old.html"),
            "<html><head><meta http-equiv=refresh content=\"0; url=page.html\"></head></html>",
        )?;
        let pages = describe(d)?;
        let summary: Vec<(&str, &str, &str, Vec<String>)> = pages
            .iter()
            .map(|p| {
                (
                    p.path.as_str(),
                    p.doc_id.as_str(),
                    p.url.as_str(),
                    p.flags.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "old.html",
                    "old",
                    "file:///old.html",
                    vec!["redirect_stub".to_string()]
                ),
                ("page.html", "page", "https://e.org/p", vec![]),
                (
                    "search.html",
                    "search",
                    "file:///search.html",
                    vec!["index_page".to_string()]
                ),
            ]
        );
        Ok(())
    }
}
