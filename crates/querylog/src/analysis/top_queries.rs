//! The most frequent queries of a log of any size, exactly.
//!
//! Counting normal forms in a map is exact but grows with the *distinct* queries, which in
//! agent logs is nearly every query (14M requests, ~10M distinct). So the counter keeps at
//! most `spill_at` distinct queries in memory; past that it writes its partial counts to
//! [`PARTITIONS`] temporary files, partitioned by a hash of the normal form, and starts
//! again. At the end each partition is read back on its own (one query's partial counts all
//! land in one partition), merged, and offers its best rows to the top list. Counts and
//! distinct-client counts are exact either way; memory is bounded by `spill_at` plus one
//! partition.
use super::{FastHashMap, FastHashSet};
use std::collections::hash_map::Entry;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};

use serde::Serialize;

use super::text::normalize;

/// Temporary files of a spilled counter.
pub const PARTITIONS: usize = 64;

/// One frequent query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopQuery {
    /// The normal form (see [`super::normalize`]).
    pub query: String,
    /// Records with this normal form.
    pub count: u64,
    /// Distinct clients that sent it.
    pub clients: u64,
}

#[derive(Debug, Default)]
struct Tally {
    count: u64,
    clients: FastHashSet<u32>,
}

/// Exact top-n counter of normalised queries (see the module documentation).
#[derive(Debug)]
pub struct TopQueryCounter {
    top_n: usize,
    spill_at: usize,
    client_ids: FastHashMap<String, u32>,
    counts: FastHashMap<String, Tally>,
    spill: Option<Vec<BufWriter<std::fs::File>>>,
    error: Option<std::io::Error>,
}

impl TopQueryCounter {
    /// Keeps the `top_n` most frequent; spills past `spill_at` distinct queries
    /// (`usize::MAX`: never).
    pub fn new(top_n: usize, spill_at: usize) -> Self {
        Self {
            top_n,
            spill_at: spill_at.max(1),
            client_ids: FastHashMap::default(),
            counts: FastHashMap::default(),
            spill: None,
            error: None,
        }
    }

    /// Counts one query sent by `client`.
    pub fn add(&mut self, query: &str, client: &str) {
        let next = self.client_ids.len() as u32;
        let id = match self.client_ids.get(client) {
            Some(id) => *id,
            None => *self.client_ids.entry(client.to_string()).or_insert(next),
        };
        let tally = self.counts.entry(normalize(query)).or_default();
        tally.count += 1;
        tally.clients.insert(id);
        if self.counts.len() >= self.spill_at
            && self.error.is_none()
            && let Err(e) = self.flush()
        {
            self.error = Some(e);
        }
    }

    /// Writes the in-memory counts to the partitions and clears them.
    fn flush(&mut self) -> std::io::Result<()> {
        if self.spill.is_none() {
            let files = (0..PARTITIONS)
                .map(|_| tempfile::tempfile().map(BufWriter::new))
                .collect::<std::io::Result<Vec<_>>>()?;
            self.spill = Some(files);
        }
        let Some(files) = self.spill.as_mut() else {
            return Ok(());
        };
        for (query, tally) in self.counts.drain() {
            // Normal forms are tokens joined by single spaces: no tab, no newline.
            let file = &mut files[partition(&query)];
            write!(file, "{}\t", tally.count)?;
            for (i, c) in tally.clients.iter().enumerate() {
                write!(file, "{}{c}", if i == 0 { "" } else { "," })?;
            }
            writeln!(file, "\t{query}")?;
        }
        Ok(())
    }

    /// The top list: count descending, then query ascending.
    pub fn finish(mut self) -> std::io::Result<Vec<TopQuery>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.spill.is_none() {
            let counts = std::mem::take(&mut self.counts);
            return Ok(self.best(Vec::new(), counts));
        }
        self.flush()?;
        let mut top = Vec::new();
        for file in self.spill.take().unwrap_or_default() {
            let mut file = file.into_inner().map_err(|e| e.into_error())?;
            file.seek(SeekFrom::Start(0))?;
            let mut merged: FastHashMap<String, Tally> = FastHashMap::default();
            for line in BufReader::new(file).lines() {
                let line = line?;
                let mut fields = line.splitn(3, '\t');
                let (Some(count), Some(clients), Some(query)) =
                    (fields.next(), fields.next(), fields.next())
                else {
                    return Err(std::io::Error::other("malformed top-query spill line"));
                };
                let tally = match merged.entry(query.to_string()) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(e) => e.insert(Tally::default()),
                };
                tally.count += count.parse::<u64>().map_err(std::io::Error::other)?;
                for c in clients.split(',').filter(|c| !c.is_empty()) {
                    tally
                        .clients
                        .insert(c.parse().map_err(std::io::Error::other)?);
                }
            }
            top = self.best(top, merged);
        }
        Ok(top)
    }

    fn best(&self, mut top: Vec<TopQuery>, counts: FastHashMap<String, Tally>) -> Vec<TopQuery> {
        top.extend(counts.into_iter().map(|(query, t)| TopQuery {
            query,
            count: t.count,
            clients: t.clients.len() as u64,
        }));
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.query.cmp(&b.query)));
        top.truncate(self.top_n);
        top
    }
}

fn partition(query: &str) -> usize {
    let mut h = DefaultHasher::new();
    query.hash(&mut h);
    (h.finish() % PARTITIONS as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_counts_equal_in_memory_counts() {
        let mut rng = crate::test_logs::Rng::seeded(3);
        let queries: Vec<(String, String)> = (0..5_000)
            .map(|_| {
                let q = format!("Q{} w{}", rng.below(40), rng.below(30));
                (q, format!("c{}", rng.below(7)))
            })
            .collect();
        let run = |spill_at| {
            let mut counter = TopQueryCounter::new(25, spill_at);
            for (q, c) in &queries {
                counter.add(q, c);
            }
            counter.finish().unwrap()
        };
        let in_memory = run(usize::MAX);
        assert_eq!(in_memory.len(), 25);
        assert!(in_memory[0].count > 1 && in_memory[0].clients > 1);
        for spill_at in [1, 7, 100, 999] {
            assert_eq!(run(spill_at), in_memory, "spill_at {spill_at}");
        }
    }
}
