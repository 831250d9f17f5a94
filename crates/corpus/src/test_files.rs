//! Test helpers: a shard written to a temporary directory and read back through a
//! reader's `open_shard`, as `open_corpus` would, so unit tests exercise real files.

use std::io::Write;
use std::path::Path;

use crate::document::{ReadItem, Skip};
use crate::options::ReaderOptions;
use crate::sharded::OpenShard;
use crate::shards::Shard;

/// Writes `bytes` as the shard `name` and reads all its items with `open`; a shard that
/// cannot be opened is its one skip, and a failing temporary directory gives nothing.
pub(crate) fn read_shard(
    open: OpenShard,
    name: &str,
    bytes: &[u8],
    options: &ReaderOptions,
) -> Vec<ReadItem> {
    let Ok(tmp) = tempfile::tempdir() else {
        return Vec::new();
    };
    let path = tmp.path().join(name);
    if std::fs::write(&path, bytes).is_err() {
        return Vec::new();
    }
    let shard = Shard {
        path,
        name: name.into(),
    };
    match open(&shard, options) {
        Ok(items) => items.collect(),
        Err(skip) => vec![ReadItem::Skipped(skip)],
    }
}

/// The skips among `items`, in order.
pub(crate) fn skips(items: &[ReadItem]) -> impl Iterator<Item = &Skip> {
    items.iter().filter_map(ReadItem::skip)
}

/// The ids of the documents among `items`, in order.
pub(crate) fn doc_ids(items: &[ReadItem]) -> Vec<&str> {
    items
        .iter()
        .filter_map(ReadItem::document)
        .map(|d| d.doc_id.as_str())
        .collect()
}

/// Writes `content` to each of `paths` under `root`, creating their directories: a tree
/// for the directory walks to list.
pub(crate) fn write_files(root: &Path, paths: &[&str], content: &str) -> std::io::Result<()> {
    for rel in paths {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, content)?;
    }
    Ok(())
}

/// Gzip of `data` as one member.
pub(crate) fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data)?;
    gz.finish()
}
