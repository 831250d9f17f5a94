//! HTML → clean text. One iterative pass over the parsed tree (so deeply
//! nested input cannot overflow the stack) builds blocks of text: headings,
//! paragraphs and list items become their own blocks, `<pre>` keeps its line
//! breaks, tables become rows of cells joined by " | ". Chrome is decided by
//! [`crate::html_chrome`].

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{Html, Node};

use crate::html_chrome::{clean_title, is_block, is_content_root, is_dropped, is_heading};

/// Version of the extraction rules; bump whenever the text produced for the
/// same input changes, so indexes built with older rules can be told apart.
pub const EXTRACTOR_VERSION: &str = "html-text-v1";

/// The readable part of an HTML page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extracted {
    /// Cleaned title (from `<title>`, else the first `<h1>`).
    pub title: String,
    /// Clean text, blocks separated by "\n\n".
    pub text: String,
    /// `href` of `<link rel="canonical">`, when present.
    pub canonical_url: Option<String>,
}

/// Extraction result plus facts the flag detector needs.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageAnalysis {
    pub extracted: Extracted,
    /// The page has `<meta http-equiv="refresh" content="…url=…">`.
    pub meta_refresh: bool,
}

/// Extracts title, clean text and canonical URL from an HTML document.
pub fn extract_html(html: &str) -> Extracted {
    analyze_html(html).extracted
}

pub(crate) fn analyze_html(html: &str) -> PageAnalysis {
    let doc = Html::parse_document(html);
    let mut raw_title = None;
    let mut canonical_url = None;
    let mut meta_refresh = false;
    let mut content_root = None;
    let mut body = None;
    for node in doc.tree.root().descendants() {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        match el.name() {
            "title" if raw_title.is_none() => raw_title = Some(text_of(node)),
            "link" if canonical_url.is_none() => {
                let rel_is_canonical = el.attr("rel").is_some_and(|r| {
                    r.split_whitespace()
                        .any(|t| t.eq_ignore_ascii_case("canonical"))
                });
                if let Some(href) = el
                    .attr("href")
                    .map(str::trim)
                    .filter(|h| rel_is_canonical && !h.is_empty())
                {
                    canonical_url = Some(href.to_string());
                }
            }
            "meta" => {
                let is_refresh = el
                    .attr("http-equiv")
                    .is_some_and(|v| v.eq_ignore_ascii_case("refresh"));
                if is_refresh
                    && el
                        .attr("content")
                        .is_some_and(|c| c.to_ascii_lowercase().contains("url"))
                {
                    meta_refresh = true;
                }
            }
            "body" if body.is_none() => body = Some(node),
            _ => {}
        }
        if content_root.is_none() && is_content_root(el) {
            content_root = Some(node);
        }
    }
    let start = content_root.or(body).unwrap_or_else(|| doc.tree.root());
    let mut builder = BlockBuilder::default();
    builder.walk(start);
    let title = raw_title.map(|t| clean_title(&t)).filter(|t| !t.is_empty());
    let title = title.or(builder.first_h1.clone()).unwrap_or_default();
    let text = builder.blocks.join("\n\n");
    PageAnalysis {
        extracted: Extracted {
            title,
            text,
            canonical_url,
        },
        meta_refresh,
    }
}

/// All text below a node, whitespace-collapsed (used for `<title>`).
fn text_of(node: NodeRef<'_, Node>) -> String {
    let mut out = InlineText::default();
    for d in node.descendants() {
        if let Some(t) = d.value().as_text() {
            out.push_text(t);
        }
    }
    out.take()
}

/// Inline text with whitespace runs collapsed to one space.
#[derive(Debug, Default)]
struct InlineText {
    text: String,
    pending_space: bool,
}

impl InlineText {
    fn push_text(&mut self, s: &str) {
        for c in s.chars() {
            if c.is_whitespace() {
                self.pending_space = !self.text.is_empty();
            } else {
                if self.pending_space {
                    self.text.push(' ');
                    self.pending_space = false;
                }
                self.text.push(c);
            }
        }
    }

    /// A boundary between inline runs that must not glue words together.
    fn soft_break(&mut self) {
        self.pending_space = !self.text.is_empty();
    }

    fn take(&mut self) -> String {
        self.pending_space = false;
        std::mem::take(&mut self.text)
    }
}

/// The table being read; only the outermost table is structured, nested
/// tables are flattened into the enclosing cell.
#[derive(Debug, Default)]
struct TableState {
    depth: usize,
    rows: Vec<String>,
    cells: Vec<String>,
    cell: InlineText,
}

impl TableState {
    fn finish_cell(&mut self) {
        let cell = self.cell.take();
        if !cell.is_empty() {
            self.cells.push(cell);
        }
    }

    fn finish_row(&mut self) {
        self.finish_cell();
        if !self.cells.is_empty() {
            self.rows.push(self.cells.join(" | "));
            self.cells.clear();
        }
    }
}

#[derive(Debug, Default)]
struct BlockBuilder {
    blocks: Vec<String>,
    inline: InlineText,
    pre: String,
    pre_depth: usize,
    table: Option<TableState>,
    heading_open: bool,
    first_h1: Option<String>,
}

impl BlockBuilder {
    fn walk(&mut self, start: NodeRef<'_, Node>) {
        // While inside a dropped subtree, remember its root so the matching
        // Close edge ends the skip.
        let mut skipping: Option<ego_tree::NodeId> = None;
        for edge in start.traverse() {
            match edge {
                Edge::Open(node) => {
                    if skipping.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Element(el) if is_dropped(el) => skipping = Some(node.id()),
                        Node::Element(el) => self.open(el.name()),
                        Node::Text(t) => self.text(t),
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if let Some(id) = skipping {
                        if id == node.id() {
                            skipping = None;
                        }
                        continue;
                    }
                    if let Node::Element(el) = node.value() {
                        self.close(el.name());
                    }
                }
            }
        }
        self.flush_inline();
    }

    fn text(&mut self, t: &str) {
        if let Some(table) = self.table.as_mut() {
            table.cell.push_text(t);
        } else if self.pre_depth > 0 {
            self.pre.push_str(t);
        } else {
            self.inline.push_text(t);
        }
    }

    fn open(&mut self, name: &str) {
        if let Some(table) = self.table.as_mut() {
            match name {
                "table" => table.depth += 1,
                "tr" if table.depth == 1 => table.finish_row(),
                "td" | "th" if table.depth == 1 => table.finish_cell(),
                _ if matches!(name, "br" | "td" | "th") || is_block(name) => {
                    table.cell.soft_break();
                }
                _ => {}
            }
            return;
        }
        if self.pre_depth > 0 {
            // Markup inside <pre> (syntax highlighting spans) is inline.
            if name == "pre" {
                self.pre_depth += 1;
            } else if name == "br" {
                self.pre.push('\n');
            }
            return;
        }
        match name {
            "table" => {
                self.flush_inline();
                self.table = Some(TableState {
                    depth: 1,
                    ..TableState::default()
                });
            }
            "pre" => {
                self.flush_inline();
                self.pre_depth = 1;
            }
            "br" => self.inline.soft_break(),
            _ if is_block(name) => {
                self.flush_inline();
                self.heading_open = is_heading(name);
            }
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        if let Some(table) = self.table.as_mut() {
            match name {
                "table" if table.depth > 1 => table.depth -= 1,
                "table" => {
                    table.finish_row();
                    let rows = std::mem::take(&mut table.rows);
                    self.table = None;
                    self.push_block(rows.join("\n"));
                }
                "td" | "th" if table.depth == 1 => table.finish_cell(),
                "tr" if table.depth == 1 => table.finish_row(),
                _ if is_block(name) => table.cell.soft_break(),
                _ => {}
            }
            return;
        }
        if self.pre_depth > 0 {
            if name == "pre" {
                self.pre_depth -= 1;
                if self.pre_depth == 0 {
                    let raw = std::mem::take(&mut self.pre);
                    self.push_block(tidy_pre(&raw));
                }
            }
            return;
        }
        if is_block(name) {
            let was_h1 = name == "h1" && self.heading_open;
            let text = self.inline.take();
            if was_h1 && self.first_h1.is_none() && !text.is_empty() {
                self.first_h1 = Some(text.clone());
            }
            self.push_block(text);
            self.heading_open = false;
        }
    }

    fn flush_inline(&mut self) {
        let text = self.inline.take();
        self.push_block(text);
    }

    fn push_block(&mut self, block: String) {
        if !block.trim().is_empty() {
            self.blocks.push(block);
        }
    }
}

/// Keeps a `<pre>`'s lines and indentation but drops trailing spaces and
/// the blank lines around it. Runs of blank lines inside collapse to one so
/// code never produces an empty passage boundary of pure whitespace.
fn tidy_pre(raw: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    let mut last_blank = true;
    for line in raw.lines() {
        let line = line.trim_end();
        let blank = line.is_empty();
        if !(blank && last_blank) {
            lines.push(line);
        }
        last_blank = blank;
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
#[path = "html_text_tests.rs"]
mod tests;
