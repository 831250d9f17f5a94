//! Opening a corpus: resolving `Format::Auto` and dispatching to the HTML
//! directory reader or the JSONL reader behind one iterator.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::document::ReadItem;
use crate::error::CorpusError;
use crate::html_reader::HtmlPages;
use crate::jsonl_reader::JsonlRecords;
use crate::options::{Format, ReaderOptions};

/// An opened corpus; iterate it to get one [`ReadItem`] per page or record.
#[derive(Debug)]
pub struct Corpus {
    format: Format,
    len_hint: Option<u64>,
    source: Source,
}

#[derive(Debug)]
enum Source {
    Html(HtmlPages),
    Jsonl(JsonlRecords),
}

impl Corpus {
    /// The resolved format (never `Auto`).
    pub fn format(&self) -> Format {
        self.format
    }

    /// Number of files or records that will be read, for progress bars;
    /// `None` when unknown (JSONL, where counting would mean reading twice).
    pub fn len_hint(&self) -> Option<u64> {
        self.len_hint
    }
}

impl Iterator for Corpus {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        match &mut self.source {
            Source::Html(pages) => pages.next(),
            Source::Jsonl(records) => records.next(),
        }
    }
}

/// Opens a corpus at `path`. Fails only when reading cannot start at all;
/// problems with single pages or records are yielded as skips.
pub fn open_corpus(
    path: &Path,
    format: Format,
    options: &ReaderOptions,
) -> Result<Corpus, CorpusError> {
    let meta = fs::metadata(path).map_err(|source| CorpusError::PathUnavailable {
        path: path.to_path_buf(),
        source,
    })?;
    let format = match format {
        Format::Auto => detect_format(path, meta.is_dir())?,
        explicit => explicit,
    };
    match format {
        Format::Html if !meta.is_dir() => Err(CorpusError::FormatMismatch {
            path: path.to_path_buf(),
            format: "html".into(),
            reason:
                "the html reader needs a directory; point it at the folder that holds the pages"
                    .into(),
        }),
        Format::Jsonl if meta.is_dir() => Err(CorpusError::FormatMismatch {
            path: path.to_path_buf(),
            format: "jsonl".into(),
            reason: "this is a directory; point the jsonl reader at the .jsonl file itself".into(),
        }),
        Format::Jsonl if !options.include.is_empty() => Err(CorpusError::FormatMismatch {
            path: path.to_path_buf(),
            format: "jsonl".into(),
            reason: "--include selects pages of an HTML directory by path; filter a JSONL corpus before building".into(),
        }),
        Format::Jsonl => {
            let records = JsonlRecords::open(path, options)?;
            Ok(Corpus {
                format,
                len_hint: None,
                source: Source::Jsonl(records),
            })
        }
        _ => {
            let pages = HtmlPages::open(path, options)?;
            Ok(Corpus {
                format: Format::Html,
                len_hint: Some(pages.total()),
                source: Source::Html(pages),
            })
        }
    }
}

/// A directory is HTML; a file is JSONL when its extension says so or its
/// first non-blank byte opens a JSON object.
fn detect_format(path: &Path, is_dir: bool) -> Result<Format, CorpusError> {
    if is_dir {
        return Ok(Format::Html);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jsonl" | "ndjson" | "json" => return Ok(Format::Jsonl),
        "html" | "htm" => {
            return Err(CorpusError::UndetectableFormat {
                path: path.to_path_buf(),
                reason:
                    "a single HTML file is not a corpus; point at the directory that contains it"
                        .into(),
            });
        }
        _ => {}
    }
    let mut head = [0u8; 4096];
    let n = fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|source| CorpusError::PathUnavailable {
            path: path.to_path_buf(),
            source,
        })?;
    match head[..n].iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(Format::Jsonl),
        _ => Err(CorpusError::UndetectableFormat {
            path: path.to_path_buf(),
            reason: "the file neither has a .jsonl extension nor starts with a JSON object".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_detects_directories_and_jsonl() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let corpus = open_corpus(tmp.path(), Format::Auto, &ReaderOptions::default())?;
        assert_eq!(corpus.format(), Format::Html);
        assert_eq!(corpus.len_hint(), Some(0));
        let data = tmp.path().join("data.txt");
        fs::write(&data, "  {\"id\":1,\"text\":\"x\"}\n")?;
        let corpus = open_corpus(&data, Format::Auto, &ReaderOptions::default())?;
        assert_eq!(corpus.format(), Format::Jsonl);
        assert_eq!(corpus.len_hint(), None);
        assert_eq!(corpus.count(), 1);
        Ok(())
    }

    #[test]
    fn cannot_start_errors_explain_what_to_do() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let missing = open_corpus(
            &tmp.path().join("nope"),
            Format::Auto,
            &ReaderOptions::default(),
        );
        assert!(matches!(missing, Err(CorpusError::PathUnavailable { .. })));
        let odd = tmp.path().join("data.bin");
        fs::write(&odd, "hello")?;
        let err = open_corpus(&odd, Format::Auto, &ReaderOptions::default())
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("--format")));
        assert!(matches!(
            open_corpus(tmp.path(), Format::Jsonl, &ReaderOptions::default()),
            Err(CorpusError::FormatMismatch { .. })
        ));
        assert!(matches!(
            open_corpus(&odd, Format::Html, &ReaderOptions::default()),
            Err(CorpusError::FormatMismatch { .. })
        ));
        Ok(())
    }
}
