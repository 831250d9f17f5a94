//! Which files make up a sharded corpus: one file, every shard under a directory, or
//! the files of one directory that match a glob. Shards are named by their path
//! relative to that directory ('/'-separated) and read in byte-wise order of that name,
//! so every machine reads the same corpus in the same order.

use std::fs;
use std::path::{Path, PathBuf};

use crate::description::DESCRIPTION_FILE;
use crate::document::{Skip, SkipReason};
use crate::error::CorpusError;
use crate::options::Format;
use crate::tree_walk::is_html_name;

/// One file of a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shard {
    /// Where to open it.
    pub path: PathBuf,
    /// Its name in sources and metadata: relative to the listed directory.
    pub name: String,
}

/// Compressions a shard name may end with, on top of its format's extension.
const COMPRESSED: [&str; 4] = ["", ".gz", ".zst", ".zstd"];

/// The format a shard's file name says, by its (compound) extension: `.jsonl`,
/// `.ndjson` (plain, `.gz`, `.zst`), `.parquet`, `.warc` / `.warc.gz`, `.tsv` (plain,
/// `.gz`, `.zst`). A corpus given as one file also accepts `.json` for JSONL.
pub(crate) fn format_of_name(name: &str, single_file: bool) -> Option<Format> {
    let lower = name.to_ascii_lowercase();
    let has = |exts: &[&str], compressions: &[&str]| {
        exts.iter().any(|e| {
            compressions
                .iter()
                .any(|c| lower.ends_with(&format!("{e}{c}")))
        })
    };
    if has(&[".jsonl", ".ndjson"], &COMPRESSED) || (single_file && has(&[".json"], &COMPRESSED)) {
        Some(Format::Jsonl)
    } else if has(&[".parquet"], &[""]) {
        Some(Format::Parquet)
    } else if has(&[".warc"], &["", ".gz"]) {
        Some(Format::Warc)
    } else if has(&[".tsv"], &COMPRESSED) {
        Some(Format::Tsv)
    } else {
        None
    }
}

/// What the corpus path points at.
#[derive(Debug)]
pub(crate) enum Target {
    /// One file, read as a single shard named by its file name.
    File(PathBuf),
    /// A directory: its HTML pages or its shards.
    Dir(PathBuf),
    /// The files of `dir` whose names match `pattern` (`*` and `?` wildcards).
    Glob {
        /// The directory the pattern is matched in.
        dir: PathBuf,
        /// The last component of the given path.
        pattern: String,
    },
}

/// Resolves the corpus path. A path that does not exist and whose last component holds
/// `*` or `?` is a glob over its parent directory's files (not recursive).
pub(crate) fn resolve_target(path: &Path) -> Result<Target, CorpusError> {
    let unavailable = |source| CorpusError::PathUnavailable {
        path: path.to_path_buf(),
        source,
    };
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(Target::Dir(path.to_path_buf())),
        Ok(_) => Ok(Target::File(path.to_path_buf())),
        Err(e) => {
            let pattern = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| n.contains(['*', '?']));
            let Some(pattern) = pattern else {
                return Err(unavailable(e));
            };
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            match fs::metadata(&dir) {
                Ok(meta) if meta.is_dir() => Ok(Target::Glob { dir, pattern }),
                Ok(_) => Err(unavailable(std::io::Error::other(
                    "the glob's parent is not a directory",
                ))),
                Err(e) => Err(unavailable(e)),
            }
        }
    }
}

/// What a directory holds, from one sorted walk.
#[derive(Debug, Default)]
pub(crate) struct DirListing {
    /// It holds at least one `.html`/`.htm` page or a description file.
    pub has_html: bool,
    /// Every file whose name says a shard format, sorted by name.
    pub shards: Vec<(Format, Shard)>,
    /// Subdirectories that could not be listed.
    pub problems: Vec<Skip>,
}

impl DirListing {
    /// The shard formats present, in a fixed order.
    pub fn formats(&self) -> Vec<Format> {
        let mut formats: Vec<Format> = Vec::new();
        for (format, _) in &self.shards {
            if !formats.contains(format) {
                formats.push(*format);
            }
        }
        formats.sort_by_key(|f| f.as_str());
        formats
    }

    /// The shards of one format.
    pub fn of(&self, format: Format) -> Vec<Shard> {
        let pick = |(f, s): &(Format, Shard)| (*f == format).then(|| s.clone());
        self.shards.iter().filter_map(pick).collect()
    }
}

/// Walks `root` (explicit stack, no recursion). Hidden entries (`.git`, macOS `._x`
/// files) are passed over. Symlinked files are followed, wherever they lead, because
/// dataset caches (Hugging Face's snapshots) link each shard to a blob elsewhere;
/// symlinked directories are not entered, which rules out cycles.
///
/// With `stop_at_html`, the walk ends at the first HTML page: auto-detection then knows
/// the answer, and the HTML reader walks the tree itself.
pub(crate) fn list_dir(root: &Path, stop_at_html: bool) -> Result<DirListing, CorpusError> {
    let mut listing = DirListing::default();
    let mut pending = vec![String::new()];
    while let Some(rel_dir) = pending.pop() {
        let dir = root.join(&rel_dir);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(source) if rel_dir.is_empty() => return Err(CorpusError::Io { path: dir, source }),
            Err(e) => {
                let detail = format!("cannot list directory: {e}");
                listing
                    .problems
                    .push(Skip::new(rel_dir, SkipReason::Io, detail));
                continue;
            }
        };
        for entry in entries {
            let Ok(entry) = entry else {
                let skip = Skip::new(rel_dir.clone(), SkipReason::Io, "cannot list directory");
                listing.problems.push(skip);
                continue;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let rel = if rel_dir.is_empty() {
                name.clone()
            } else {
                format!("{rel_dir}/{name}")
            };
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                pending.push(rel);
                continue;
            }
            if is_html_name(&name) || (rel_dir.is_empty() && name == DESCRIPTION_FILE) {
                listing.has_html = true;
                if stop_at_html {
                    return Ok(listing);
                }
                continue;
            }
            let Some(format) = format_of_name(&name, false) else {
                continue;
            };
            if file_type.is_symlink() && !fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
                continue;
            }
            let shard = Shard {
                path: entry.path(),
                name: rel,
            };
            listing.shards.push((format, shard));
        }
    }
    listing.shards.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    listing.problems.sort_by(|a, b| a.source.cmp(&b.source));
    Ok(listing)
}

/// The files (or links to files) of `dir` whose names match `pattern`, sorted by name.
/// Hidden files match only a pattern that itself starts with a dot.
pub(crate) fn list_glob(dir: &Path, pattern: &str) -> Result<Vec<Shard>, CorpusError> {
    let io = |source| CorpusError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut shards = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && !pattern.starts_with('.') {
            continue;
        }
        if wildcard_match(pattern, &name) && fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            shards.push(Shard {
                path: entry.path(),
                name,
            });
        }
    }
    shards.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(shards)
}

/// Shell-style match of a whole name: `*` any run of characters, `?` one character.
/// Greedy with one backtrack point, so it runs in O(pattern × name) at worst.
pub(crate) fn wildcard_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
#[path = "shards_tests.rs"]
mod tests;
