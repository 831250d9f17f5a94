//! Reader for a directory of HTML pages. Pages come from the description
//! file when there is one, else from a sorted walk plus the built-in site
//! rules. Every problem with a page becomes a [`Skip`], never an error.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::description::{PageDescription, describe_page, read_description};
use crate::document::{Document, ReadItem, Skip, SkipReason};
use crate::error::CorpusError;
use crate::html_text::analyze_html;
use crate::options::ReaderOptions;
use crate::page_flags::{INDEX_PAGE, is_index_path};
use crate::site_rules::identify;
use crate::tree_walk::{CorpusRoot, list_html_files};

/// One page to read: its relative path and, when a description file is in
/// use, the description that fixes its id, URL and flags.
#[derive(Debug)]
struct PageEntry {
    rel: String,
    described: Option<PageDescription>,
}

/// Iterator over the pages of an HTML corpus.
#[derive(Debug)]
pub(crate) struct HtmlPages {
    root: CorpusRoot,
    options: ReaderOptions,
    /// Directories that could not be listed; reported before the pages.
    walk_problems: std::vec::IntoIter<Skip>,
    entries: std::vec::IntoIter<PageEntry>,
    total: u64,
}

impl HtmlPages {
    pub fn open(path: &Path, options: &ReaderOptions) -> Result<HtmlPages, CorpusError> {
        let root = CorpusRoot::open(path)?;
        let (entries, problems) = match read_description(&root.dir)? {
            Some(pages) => {
                let entries = pages.into_iter().map(|p| PageEntry {
                    rel: p.path.clone(),
                    described: Some(p),
                });
                (entries.collect::<Vec<_>>(), Vec::new())
            }
            None => {
                let (files, problems) = list_html_files(&root)?;
                (
                    files
                        .into_iter()
                        .map(|rel| PageEntry {
                            rel,
                            described: None,
                        })
                        .collect(),
                    problems,
                )
            }
        };
        // Pages outside the included prefixes are not part of this corpus at all: they are
        // neither read nor counted as skipped.
        let included = |rel: &str| {
            options.include.is_empty()
                || options.include.iter().any(|p| rel.starts_with(p.as_str()))
        };
        let entries: Vec<PageEntry> = entries.into_iter().filter(|e| included(&e.rel)).collect();
        let problems: Vec<_> = problems
            .into_iter()
            .filter(|skip| included(&skip.source))
            .collect();
        let total = (entries.len() + problems.len()) as u64;
        Ok(HtmlPages {
            root,
            options: options.clone(),
            walk_problems: problems.into_iter(),
            entries: entries.into_iter(),
            total,
        })
    }

    /// Number of items this reader will yield.
    pub fn total(&self) -> u64 {
        self.total
    }

    fn read_page(&self, entry: PageEntry) -> ReadItem {
        match self.try_read_page(entry) {
            Ok(doc) => ReadItem::Document(doc),
            Err(skip) => ReadItem::Skipped(skip),
        }
    }

    /// A flagged page becomes a skip unless flagged pages are kept.
    fn check_flags(&self, rel: &str, flags: &[String]) -> Result<(), Skip> {
        if self.options.keep_flagged {
            return Ok(());
        }
        match flags
            .iter()
            .find_map(|f| SkipReason::from_flag(f).map(|r| (r, f)))
        {
            Some((reason, flag)) => Err(Skip::new(rel, reason, format!("page is flagged {flag}"))),
            None => Ok(()),
        }
    }

    fn try_read_page(&self, entry: PageEntry) -> Result<Document, Skip> {
        let rel = entry.rel.as_str();
        let skip = |reason, detail: String| Skip::new(rel, reason, detail);
        // Flags known without reading are honoured first, so skipped index
        // pages cost no I/O.
        let early_flags = match &entry.described {
            Some(d) => d.flags.clone(),
            None if is_index_path(&identify(&self.root.abs, rel)) => vec![INDEX_PAGE.to_string()],
            None => Vec::new(),
        };
        self.check_flags(rel, &early_flags)?;
        let file = self
            .root
            .resolve(rel)
            .map_err(|e| skip(SkipReason::Io, e))?;
        let meta =
            fs::metadata(&file).map_err(|e| skip(SkipReason::Io, format!("cannot stat: {e}")))?;
        if meta.len() > self.options.max_page_bytes {
            let detail = format!(
                "{} bytes exceeds the limit of {} bytes",
                meta.len(),
                self.options.max_page_bytes
            );
            return Err(skip(SkipReason::TooLarge, detail));
        }
        let bytes =
            fs::read(&file).map_err(|e| skip(SkipReason::Io, format!("cannot read: {e}")))?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let html = std::str::from_utf8(bytes).map_err(|e| {
            skip(
                SkipReason::InvalidUtf8,
                format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            )
        })?;
        if is_truncated(html) {
            return Err(skip(
                SkipReason::Truncated,
                "document opens <html>/<body> but never closes them".into(),
            ));
        }
        let analysis = analyze_html(html);
        let description = match entry.described {
            Some(d) => d,
            None => describe_page(&self.root, rel, Some(&analysis)),
        };
        self.check_flags(rel, &description.flags)?;
        let extracted = analysis.extracted;
        if extracted.text.trim().is_empty() {
            return Err(skip(
                SkipReason::Empty,
                "no text left after removing markup and navigation".into(),
            ));
        }
        let mut metadata = BTreeMap::new();
        metadata.insert("site".to_string(), description.site);
        metadata.insert("path".to_string(), rel.to_string());
        if !description.flags.is_empty() {
            metadata.insert("flags".to_string(), description.flags.join(","));
        }
        let title = if extracted.title.is_empty() {
            fallback_title(&description.doc_id)
        } else {
            extracted.title
        };
        Ok(Document {
            doc_id: description.doc_id,
            url: description.url,
            title,
            text: extracted.text,
            metadata,
        })
    }
}

impl Iterator for HtmlPages {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        if let Some(problem) = self.walk_problems.next() {
            return Some(ReadItem::Skipped(problem));
        }
        let entry = self.entries.next()?;
        Some(self.read_page(entry))
    }
}

/// A page without any title is named after the last segment of its id.
fn fallback_title(doc_id: &str) -> String {
    doc_id.rsplit('/').next().unwrap_or(doc_id).to_string()
}

/// True when the document opened `<html` or `<body` but neither closing tag
/// is present: the file was cut off (a partial download or copy).
pub(crate) fn is_truncated(html: &str) -> bool {
    let opened = contains_ignore_ascii_case(html, "<html", false)
        || contains_ignore_ascii_case(html, "<body", false);
    opened
        && !contains_ignore_ascii_case(html, "</html>", true)
        && !contains_ignore_ascii_case(html, "</body>", true)
}

/// Case-insensitive substring search. Opening tags are searched from the
/// start and closing tags from the end, where they live, so a normal page
/// is settled after a few hundred bytes instead of a full scan.
fn contains_ignore_ascii_case(haystack: &str, needle: &str, from_end: bool) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if h.len() < n.len() {
        return false;
    }
    let mut windows = h.windows(n.len());
    if from_end {
        windows.rev().any(|w| w.eq_ignore_ascii_case(n))
    } else {
        windows.any(|w| w.eq_ignore_ascii_case(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_needs_an_opening_tag_and_no_closing_tag() {
        assert!(is_truncated(
            "<!DOCTYPE html><HTML><head><title>x</title></head><body><p>cut"
        ));
        assert!(!is_truncated("<html><body><p>ok</p></BODY>"));
        assert!(!is_truncated("<html><body><p>ok</p></html>"));
        assert!(!is_truncated("<p>a fragment without html or body</p>"));
        assert!(!is_truncated(""));
    }

    #[test]
    fn fallback_title_is_last_segment() {
        assert_eq!(fallback_title("git/howto/maintain-git"), "maintain-git");
        assert_eq!(fallback_title("x"), "x");
    }
}
