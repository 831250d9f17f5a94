//! The bodies of driftless's fuzz targets, one function per target, so that the libFuzzer
//! binaries in `fuzz_targets/` stay one line each and a crashing input can be replayed by
//! any harness that calls these functions.
//!
//! Every function panics (which libFuzzer reports as a crash) when the code under test
//! panics or when one of the cheap invariants checked here does not hold.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use driftless_corpus::{
    Document, Format, HeuristicTokenCounter, ReadItem, ReaderOptions, SplitterConfig, TokenCounter,
    extract_html, open_corpus, split_passages,
};
use driftless_index::UserError;
use driftless_index::analyzer::analyzer;
use driftless_index::query::{Clause, parse};

/// One scratch directory per fuzzing process (libFuzzer runs inputs one at a time in a
/// process; `-fork`/`-jobs` workers are separate processes). Removed only by the OS's
/// temp cleaning: the fuzzer usually exits through `_exit`, which skips destructors.
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("driftless-fuzz-")
            .tempdir()
            .expect("create a scratch directory");
        dir.keep()
    })
}

/// `text` is its own whitespace-collapsed form: no leading, trailing or repeated whitespace.
fn assert_collapsed(what: &str, text: &str) {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(text, collapsed, "{what} is not whitespace-collapsed");
}

/// The query parser (`driftless_index::query::parse`, behind every bm25 search).
///
/// Invariants: the answer is either a parse or a `QuerySyntax` error (a 400, never
/// another kind of error); parsing is deterministic and does not depend on what the
/// analyzer parsed before; scored tokens are unique, non-empty, with a positive finite weight;
/// phrases start at relative position 0 and go strictly forward; site operands are non-empty.
pub fn query_parse(data: &[u8]) {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let mut reused = analyzer();
    let first = parse(query, &mut reused);
    let again = parse(query, &mut reused);
    let fresh = parse(query, &mut analyzer());
    assert_eq!(first, again, "parsing twice with one analyzer differs");
    assert_eq!(
        first, fresh,
        "a reused analyzer parses differently from a fresh one"
    );
    let parsed = match first {
        Ok(parsed) => parsed,
        Err(UserError::QuerySyntax(message)) => {
            assert!(!message.is_empty());
            return;
        }
        Err(other) => panic!("the parser returned a non-syntax error: {other:?}"),
    };
    let mut seen = std::collections::HashSet::new();
    for (token, count) in &parsed.scored {
        assert!(!token.is_empty(), "empty scored token");
        assert!(
            count.is_finite() && *count > 0.0,
            "scored token {token:?} weighs {count}"
        );
        assert!(
            seen.insert(token.as_str()),
            "scored token {token:?} listed twice"
        );
    }
    let check_clause = |clause: &Clause| match clause {
        Clause::Term(t) => assert!(!t.is_empty(), "empty term clause"),
        Clause::Phrase(tokens) => {
            assert!(
                tokens.len() >= 2,
                "a phrase of fewer than two tokens: {tokens:?}"
            );
            assert_eq!(
                tokens[0].0, 0,
                "phrase does not start at position 0: {tokens:?}"
            );
            assert!(
                tokens.windows(2).all(|w| w[0].0 < w[1].0),
                "phrase positions do not increase: {tokens:?}"
            );
            assert!(tokens.iter().all(|(_, t)| !t.is_empty()));
        }
    };
    for group in &parsed.required {
        assert!(!group.is_empty(), "an empty required group");
        group.iter().for_each(check_clause);
    }
    parsed.excluded.iter().for_each(check_clause);
    for site in parsed.sites.iter().chain(&parsed.excluded_sites) {
        assert!(!site.is_empty(), "empty site operand");
    }
}

/// The HTML extractor (`driftless_corpus::extract_html`) on arbitrary text.
///
/// Invariants: no NUL in title or text; the title is whitespace-collapsed; the text has no
/// leading or trailing blank lines and every "\n\n"-separated block has visible content;
/// a canonical URL, when found, is trimmed and non-empty.
pub fn html_extract(data: &[u8]) {
    let html = String::from_utf8_lossy(data);
    let page = extract_html(&html);
    assert!(!page.title.contains('\0'), "NUL in title {:?}", page.title);
    assert!(!page.text.contains('\0'), "NUL in text");
    assert_collapsed("title", &page.title);
    if !page.text.is_empty() {
        for block in page.text.split("\n\n") {
            assert!(
                !block.trim().is_empty(),
                "a whitespace-only block in the extracted text: {:?}",
                page.text
            );
        }
    }
    if let Some(url) = &page.canonical_url {
        assert!(
            !url.is_empty() && url.trim() == url,
            "canonical url {url:?}"
        );
    }
}

/// The passage splitter (`driftless_corpus::split_passages`) with the heuristic counter.
///
/// The first two bytes pick the budget (0..=511 tokens), the rest is the text.
/// Invariants (as in crates/corpus/src/passages_tests.rs): passages are numbered from 0,
/// ordered, non-empty, on char boundaries, trimmed, within the budget unless a single
/// character, and only whitespace lies between and around them; character offsets are the
/// exact character counts of the byte offsets.
pub fn passages(data: &[u8]) {
    let Some((head, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let max_tokens = usize::from(u16::from_le_bytes(*head) % 512);
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();
    let counter = HeuristicTokenCounter;
    let spans = split_passages(text, &SplitterConfig { max_tokens }, &counter);
    let mut prev_end = 0usize;
    let mut prev_char_end = 0u64;
    for (i, s) in spans.iter().enumerate() {
        assert_eq!(s.ordinal as usize, i, "ordinals are not 0, 1, 2, …");
        assert!(
            s.byte_start >= prev_end && s.byte_start < s.byte_end && s.byte_end <= text.len(),
            "span {s:?} out of order or out of bounds (previous end {prev_end}, len {})",
            text.len()
        );
        assert!(text.is_char_boundary(s.byte_start) && text.is_char_boundary(s.byte_end));
        let piece = &text[s.byte_start..s.byte_end];
        assert_eq!(piece.trim(), piece, "passage {i} is not trimmed");
        assert!(
            text[prev_end..s.byte_start].trim().is_empty(),
            "non-whitespace text dropped before passage {i}"
        );
        let char_start = prev_char_end + text[prev_end..s.byte_start].chars().count() as u64;
        let char_end = char_start + piece.chars().count() as u64;
        assert_eq!(
            (s.char_start, s.char_end),
            (char_start, char_end),
            "character offsets of passage {i} are wrong"
        );
        assert!(
            counter.count(piece) <= max_tokens || piece.chars().count() == 1,
            "passage {i} is over the budget of {max_tokens}: {piece:?}"
        );
        prev_end = s.byte_end;
        prev_char_end = s.char_end;
    }
    assert!(
        text[prev_end..].trim().is_empty(),
        "non-whitespace text dropped after the last passage"
    );
}

/// Checks what every reader promises about a document.
fn check_document(doc: &Document) {
    assert!(!doc.doc_id.is_empty(), "empty doc_id: {doc:?}");
    assert!(!doc.url.trim().is_empty(), "empty url: {doc:?}");
    assert!(
        !doc.text.trim().is_empty(),
        "a document without text: {doc:?}"
    );
    assert!(
        doc.metadata.contains_key("path"),
        "no path metadata: {doc:?}"
    );
}

/// The JSONL reader on arbitrary bytes written to a file.
///
/// Byte 0 picks the options: bits 0-1 the line limit (16 MiB default, 1, 40, 300 bytes),
/// bit 2 auto-detection on a `.txt` name instead of `--format jsonl` on `corpus.jsonl`.
/// Invariants: opening fails only when auto-detection cannot tell the format (auto-detection
/// may also pick WARC or Parquet from the first bytes, which ends the case); a document
/// has a trimmed, non-empty id and text, a URL and a whitespace-collapsed title; a source
/// names the file and line; there are at most as many items as lines.
pub fn jsonl_reader(data: &[u8]) {
    let Some((&options_byte, content)) = data.split_first() else {
        return;
    };
    let max_page_bytes = [16 << 20, 1, 40, 300][usize::from(options_byte & 3)];
    let auto = options_byte & 4 != 0;
    let name = if auto { "corpus.txt" } else { "corpus.jsonl" };
    let path = scratch().join(name);
    fs::write(&path, content).expect("write the scratch corpus");
    let options = ReaderOptions {
        max_page_bytes,
        ..ReaderOptions::default()
    };
    let format = if auto { Format::Auto } else { Format::Jsonl };
    let corpus = match open_corpus(&path, format, &options) {
        Ok(corpus) => corpus,
        Err(e) if auto => {
            assert!(e.to_string().contains("--format"), "unexpected error {e}");
            return;
        }
        Err(e) => panic!("opening an existing JSONL file failed: {e}"),
    };
    if auto && corpus.format() != Format::Jsonl {
        // Content sniffing also knows WARC (`WARC/`) and Parquet (`PAR1`); their readers are
        // not this target's subject.
        assert!(
            matches!(corpus.format(), Format::Warc | Format::Parquet),
            "auto-detection picked {:?}",
            corpus.format()
        );
        return;
    }
    assert_eq!(corpus.format(), Format::Jsonl);
    let lines = content.split(|&b| b == b'\n').count();
    let mut items = 0usize;
    for item in corpus {
        items += 1;
        match item {
            ReadItem::Document(doc) => {
                check_document(&doc);
                assert_eq!(doc.doc_id.trim(), doc.doc_id, "untrimmed id");
                assert_eq!(doc.text.trim(), doc.text, "untrimmed text");
                assert_collapsed("title", &doc.title);
                assert_eq!(doc.metadata.get("path").map(String::as_str), Some(name));
            }
            ReadItem::Skipped(skip) => {
                assert!(
                    skip.source.starts_with(&format!("{name}:")),
                    "skip source {:?}",
                    skip.source
                );
            }
        }
        assert!(items <= lines, "more items ({items}) than lines ({lines})");
    }
}

/// Where the `html_reader` target puts its page (byte 0, bits 0-2): the generic layout,
/// each built-in site rule, and index pages that are flagged without reading.
const PAGE_PATHS: [&str; 8] = [
    "page.html",
    "postgresql-doc-15/html/sql-select.html",
    "python3.11/html/library/os.html",
    "python-django-doc/html/topics/db/index.html",
    "git-doc/git-cat-file.html",
    "sphinx-doc/html/usage/quickstart.htm",
    "docs/genindex-A.html",
    "postgresql-doc-15/html/search.html",
];

/// Separates the page from a description file (`driftless-corpus.jsonl`) in an input.
pub const DESCRIPTION_SEPARATOR: &[u8] = b"\n%%driftless-corpus.jsonl%%\n";

/// The HTML directory reader on one arbitrary page in a scratch directory.
///
/// Byte 0: bits 0-2 pick the page's path ([`PAGE_PATHS`]), bit 3 keeps flagged pages.
/// The rest is the page; when it contains [`DESCRIPTION_SEPARATOR`], what follows is
/// written as the corpus description file (whose paths the reader must keep inside the
/// root). Invariants: opening fails only on an invalid description; the reader yields
/// exactly `len_hint` items; documents have an id, a URL, text, `site` and `path`.
pub fn html_reader(data: &[u8]) {
    let Some((&options_byte, rest)) = data.split_first() else {
        return;
    };
    let (page, description) = match rest
        .windows(DESCRIPTION_SEPARATOR.len())
        .position(|w| w == DESCRIPTION_SEPARATOR)
    {
        Some(at) => (&rest[..at], Some(&rest[at + DESCRIPTION_SEPARATOR.len()..])),
        None => (rest, None),
    };
    let root = scratch().join("html");
    if root.exists() {
        fs::remove_dir_all(&root).expect("clear the scratch corpus");
    }
    let rel = PAGE_PATHS[usize::from(options_byte & 7)];
    let file = root.join(rel);
    fs::create_dir_all(file.parent().expect("a parent")).expect("create the page's directory");
    fs::write(&file, page).expect("write the page");
    if let Some(description) = description {
        fs::write(root.join(driftless_corpus::DESCRIPTION_FILE), description)
            .expect("write the description");
    }
    let options = ReaderOptions {
        keep_flagged: options_byte & 8 != 0,
        ..ReaderOptions::default()
    };
    let corpus = match open_corpus(&root, Format::Html, &options) {
        Ok(corpus) => corpus,
        Err(e) if description.is_some() => {
            assert!(
                matches!(e, driftless_corpus::CorpusError::InvalidDescription { .. }),
                "unexpected error {e:?}"
            );
            return;
        }
        Err(e) => panic!("opening a directory with one page failed: {e}"),
    };
    assert_eq!(corpus.format(), Format::Html);
    let expected = corpus.len_hint().expect("an HTML corpus knows its size");
    let mut items = 0u64;
    for item in corpus {
        items += 1;
        if let ReadItem::Document(doc) = item {
            check_document(&doc);
            assert!(
                doc.metadata.contains_key("site"),
                "no site metadata: {doc:?}"
            );
            assert!(!doc.text.contains('\0'), "NUL in a document's text");
        }
    }
    assert_eq!(
        items, expected,
        "the reader yielded a different number of items than announced"
    );
}
