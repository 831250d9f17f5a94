//! `Format::Auto`: what a corpus path holds.
//!
//! - A file: its (compound) extension (`.jsonl`/`.ndjson`/`.json`, `.parquet`,
//!   `.warc`/`.warc.gz`, `.tsv`, each JSONL/TSV one also `.gz`/`.zst`); else its first
//!   bytes, decompressed: a JSON object is JSONL, `PAR1` Parquet, `WARC/` a web archive.
//! - A directory: HTML when it holds any `.html`/`.htm` page (or a description file),
//!   else the one shard format its files have; an empty directory is HTML, as before
//!   shards existed; shards of several formats are an error that names them.
//! - A glob: the format all matched names agree on.

use std::path::Path;

use crate::error::CorpusError;
use crate::options::Format;
use crate::shards::{DirListing, Shard, format_of_name};
use crate::stream::sniff;

/// The format of a single file.
pub(crate) fn detect_file(path: &Path) -> Result<Format, CorpusError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(format) = format_of_name(&name, true) {
        return Ok(format);
    }
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".html") || lower.ends_with(".htm") {
        return Err(CorpusError::UndetectableFormat {
            path: path.to_path_buf(),
            reason: "a single HTML file is not a corpus; point at the directory that contains it"
                .into(),
        });
    }
    // A file that opens but whose gzip/zstd header leads to a stream that does not decode
    // cannot be told apart from any other binary file: say so, and how to name the format.
    let head = sniff(path, 4096).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
            CorpusError::PathUnavailable {
                path: path.to_path_buf(),
                source,
            }
        }
        _ => CorpusError::UndetectableFormat {
            path: path.to_path_buf(),
            reason: format!(
                "it starts with a gzip or zstd header but does not decompress ({source})"
            ),
        },
    })?;
    if head.starts_with(b"PAR1") {
        return Ok(Format::Parquet);
    }
    if head.starts_with(b"WARC/") {
        return Ok(Format::Warc);
    }
    let first = head.iter().position(|b| !b.is_ascii_whitespace());
    match first.and_then(|i| head.get(i)) {
        Some(b'{') => Ok(Format::Jsonl),
        _ => Err(CorpusError::UndetectableFormat {
            path: path.to_path_buf(),
            reason: "the file's name has no known extension (.jsonl, .parquet, .warc, .tsv, \
                     optionally .gz or .zst) and it starts with neither a JSON object, PAR1 nor WARC/"
                .into(),
        }),
    }
}

/// The format of a directory, from its listing.
pub(crate) fn detect_dir(path: &Path, listing: &DirListing) -> Result<Format, CorpusError> {
    if listing.has_html {
        return Ok(Format::Html);
    }
    let formats = listing.formats();
    match formats.as_slice() {
        [] => Ok(Format::Html),
        [one] => Ok(*one),
        several => Err(CorpusError::UndetectableFormat {
            path: path.to_path_buf(),
            reason: format!("it holds shards of several formats ({})", names(several)),
        }),
    }
}

/// The format shared by every file a glob matched.
pub(crate) fn detect_glob(path: &Path, shards: &[Shard]) -> Result<Format, CorpusError> {
    let mut found: Vec<Format> = Vec::new();
    for shard in shards {
        let Some(format) = format_of_name(&shard.name, true) else {
            return Err(CorpusError::UndetectableFormat {
                path: path.to_path_buf(),
                reason: format!("the glob matches {}, whose name says no format", shard.name),
            });
        };
        if !found.contains(&format) {
            found.push(format);
        }
    }
    found.sort_by_key(|f| f.as_str());
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(CorpusError::UndetectableFormat {
            path: path.to_path_buf(),
            reason: "the glob matches no file".into(),
        }),
        several => Err(CorpusError::UndetectableFormat {
            path: path.to_path_buf(),
            reason: format!(
                "the glob matches shards of several formats ({})",
                names(several)
            ),
        }),
    }
}

fn names(formats: &[Format]) -> String {
    let names: Vec<&str> = formats.iter().map(Format::as_str).collect();
    names.join(", ")
}
