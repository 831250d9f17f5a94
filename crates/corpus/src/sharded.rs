//! One iterator over many shards: each shard is opened only when the previous one is
//! finished, so a corpus of thousands of files holds one open file and one reader.

use std::fmt;

use crate::document::{ReadItem, Skip};
use crate::options::ReaderOptions;
use crate::shards::Shard;

/// The items of one opened shard.
pub(crate) type ShardItems = Box<dyn Iterator<Item = ReadItem> + Send>;

/// Opens one shard; a shard that cannot be read at all is one skip named after it.
pub(crate) type OpenShard = fn(&Shard, &ReaderOptions) -> Result<ShardItems, Skip>;

/// The items of every shard, in shard order.
pub(crate) struct Sharded {
    /// Directories that could not be listed; reported first, as the HTML reader does.
    problems: std::vec::IntoIter<Skip>,
    shards: std::vec::IntoIter<Shard>,
    current: Option<ShardItems>,
    open: OpenShard,
    options: ReaderOptions,
}

impl Sharded {
    pub fn new(
        shards: Vec<Shard>,
        problems: Vec<Skip>,
        open: OpenShard,
        options: &ReaderOptions,
    ) -> Sharded {
        Sharded {
            problems: problems.into_iter(),
            shards: shards.into_iter(),
            current: None,
            open,
            options: options.clone(),
        }
    }
}

impl fmt::Debug for Sharded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sharded")
            .field("shards_left", &self.shards.len())
            .field("reading", &self.current.is_some())
            .finish()
    }
}

impl Iterator for Sharded {
    type Item = ReadItem;

    fn next(&mut self) -> Option<ReadItem> {
        if let Some(problem) = self.problems.next() {
            return Some(ReadItem::Skipped(problem));
        }
        loop {
            if let Some(item) = self.current.as_mut().and_then(Iterator::next) {
                return Some(item);
            }
            // Drop the finished reader (and its file) before opening the next one.
            self.current = None;
            let shard = self.shards.next()?;
            match (self.open)(&shard, &self.options) {
                Ok(items) => self.current = Some(items),
                Err(skip) => return Some(ReadItem::Skipped(skip)),
            }
        }
    }
}
