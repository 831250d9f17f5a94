//! Opening a corpus: resolving `Format::Auto` (see [`crate::detect`]), listing the
//! shards of a record format, and reading every page or record behind one iterator.

use std::path::Path;

use crate::detect::{detect_dir, detect_file, detect_glob};
use crate::document::ReadItem;
use crate::error::CorpusError;
use crate::html_reader::HtmlPages;
use crate::jsonl_reader::JsonlRecords;
use crate::options::{Format, ReaderOptions};
use crate::parquet_reader::{ParquetRows, expected_items};
use crate::sharded::{OpenShard, Sharded};
use crate::shards::{Shard, Target, list_dir, list_glob, resolve_target};
use crate::tsv_reader::TsvRecords;
use crate::warc_reader::WarcRecords;

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
    Shards(Sharded),
}

impl Corpus {
    /// The resolved format (never `Auto`).
    pub fn format(&self) -> Format {
        self.format
    }

    /// Number of items that will be read, for progress bars: exact for HTML (pages) and
    /// Parquet (rows, from the files' footers); `None` for JSONL, TSV and WARC, where
    /// counting would mean reading everything twice.
    pub fn len_hint(&self) -> Option<u64> {
        self.len_hint
    }
}

impl Iterator for Corpus {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        match &mut self.source {
            Source::Html(pages) => pages.next(),
            Source::Shards(shards) => shards.next(),
        }
    }
}

/// Opens a corpus at `path`: a directory of HTML pages; one JSONL, Parquet, WARC or
/// TSV file (JSONL and TSV also gzip- or zstd-compressed, WARC also gzipped); a
/// directory of such shards, read recursively; or a glob such as `data/part-*.parquet`
/// (wildcards `*` and `?` in the last component only). Shards are read one after the
/// other in byte-wise order of their path relative to the directory.
///
/// Fails only when reading cannot start at all; problems with single pages, records or
/// shards are yielded as skips.
pub fn open_corpus(
    path: &Path,
    format: Format,
    options: &ReaderOptions,
) -> Result<Corpus, CorpusError> {
    let target = resolve_target(path)?;
    let mut listing = None;
    let format = match (format, &target) {
        (Format::Auto, Target::File(file)) => detect_file(file)?,
        (Format::Auto, Target::Dir(dir)) => {
            let found = list_dir(dir, true)?;
            let format = detect_dir(path, &found)?;
            listing = Some(found);
            format
        }
        (Format::Auto, Target::Glob { dir, pattern }) => {
            detect_glob(path, &list_glob(dir, pattern)?)?
        }
        (explicit, _) => explicit,
    };
    let mismatch = |reason: &str| CorpusError::FormatMismatch {
        path: path.to_path_buf(),
        format: format.as_str().into(),
        reason: reason.into(),
    };
    if matches!(format, Format::Html | Format::Warc) && !options.fields.is_empty() {
        return Err(mismatch(
            "a field mapping applies to JSONL, Parquet and TSV records; HTML and WARC pages take their fields from the page",
        ));
    }
    if format == Format::Html {
        if !matches!(target, Target::Dir(_)) {
            return Err(mismatch(
                "the html reader needs a directory; point it at the folder that holds the pages",
            ));
        }
        let pages = HtmlPages::open(path, options)?;
        return Ok(Corpus {
            format,
            len_hint: Some(pages.total()),
            source: Source::Html(pages),
        });
    }
    if !options.include.is_empty() {
        return Err(mismatch(
            "--include selects pages of an HTML directory by path; filter a record corpus before building",
        ));
    }
    let (shards, problems) = match target {
        Target::File(file) => {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("corpus.{format}"));
            (vec![Shard { path: file, name }], Vec::new())
        }
        Target::Dir(dir) => {
            let listing = match listing {
                Some(listing) => listing,
                None => list_dir(&dir, false)?,
            };
            (listing.of(format), listing.problems)
        }
        Target::Glob { dir, pattern } => (list_glob(&dir, &pattern)?, Vec::new()),
    };
    if shards.is_empty() {
        return Err(mismatch(&format!(
            "it holds no {format} shards ({})",
            shard_names(format)
        )));
    }
    let open: OpenShard = match format {
        Format::Parquet => ParquetRows::open_shard,
        Format::Warc => WarcRecords::open_shard,
        Format::Tsv => TsvRecords::open_shard,
        _ => JsonlRecords::open_shard,
    };
    let len_hint = (format == Format::Parquet).then(|| {
        let rows: u64 = shards
            .iter()
            .map(|s| expected_items(s, &options.fields))
            .sum();
        rows + problems.len() as u64
    });
    Ok(Corpus {
        format,
        len_hint,
        source: Source::Shards(Sharded::new(shards, problems, open, options)),
    })
}

/// The file names a directory of `format` shards is searched for, for messages.
fn shard_names(format: Format) -> &'static str {
    match format {
        Format::Parquet => "*.parquet",
        Format::Warc => "*.warc, *.warc.gz",
        Format::Tsv => "*.tsv, *.tsv.gz, *.tsv.zst",
        _ => "*.jsonl, *.ndjson, plain or .gz/.zst",
    }
}

#[cfg(test)]
#[path = "corpus_tests.rs"]
mod tests;
