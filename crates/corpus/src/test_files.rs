//! Test helpers: a shard written to a temporary directory and read back through a
//! reader's `open_shard`, as `open_corpus` would, so unit tests exercise real files.

use std::io::Write;

use crate::document::ReadItem;
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

/// Gzip of `data` as one member.
pub(crate) fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data)?;
    gz.finish()
}
