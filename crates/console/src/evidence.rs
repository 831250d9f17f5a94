//! The evidence CTAR's view of a log (`logs analyse --snapshot`, the console's timelines): the engine's analyser for
//! terms, and the snapshot for the texts a record delivered (passages, raw content, fetched
//! windows), rebuilt from the ids and spans the log keeps instead of the text itself.
use std::collections::BTreeSet;
use std::sync::Arc;

use driftless_api::{DEFAULT_FETCH_CHARS, FetchRequest, MAX_FETCH_CHARS};
use driftless_index::Snapshot;
use driftless_index::analyzer::{analyze, analyzer};
use driftless_querylog::LogRecord;
use driftless_querylog::analysis::{EvidenceSource, FastHashMap, FastHashSet};
use tantivy::tokenizer::TextAnalyzer;

/// Terms by the BM25 analyser; delivered texts from `snapshot` when it answered the record.
pub struct SnapshotEvidence {
    analyzer: TextAnalyzer,
    snapshot: Option<Arc<Snapshot>>,
    /// Terms of short texts already analysed: a document shows the same title (and often
    /// the same snippet) in many sessions, and stemming every word of every result was the
    /// analysis's largest cost. Cleared when full, so memory stays bounded; the terms are a
    /// pure function of the text, so the cache never changes a result.
    cache: FastHashMap<String, Vec<String>>,
}

/// Texts the term cache holds before it starts over.
const CACHE_ENTRIES: usize = 200_000;
/// Longer texts (whole passages and fetched windows) are analysed without caching.
const CACHE_MAX_CHARS: usize = 512;

impl std::fmt::Debug for SnapshotEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotEvidence")
            .field("snapshot", &self.snapshot.as_ref().map(|s| s.id()))
            .field("cached_texts", &self.cache.len())
            .finish()
    }
}

impl SnapshotEvidence {
    /// Without a snapshot only titles and snippets count as evidence.
    pub fn new(snapshot: Option<Arc<Snapshot>>) -> Self {
        Self {
            analyzer: analyzer(),
            snapshot,
            cache: FastHashMap::default(),
        }
    }

    /// `max` characters of `doc` from `offset` (`None`: to the end), read window by window.
    fn read(
        &self,
        snapshot: &Snapshot,
        doc: &str,
        offset: u64,
        max: Option<u64>,
    ) -> Option<String> {
        let mut text = String::new();
        let mut at = offset;
        loop {
            let left = max.map_or(MAX_FETCH_CHARS, |m| m.saturating_sub(at - offset));
            if left == 0 {
                return Some(text);
            }
            let request = FetchRequest {
                doc_id: Some(doc.to_string()),
                url: None,
                offset: at,
                max_chars: Some(left.min(MAX_FETCH_CHARS)),
            };
            let window = snapshot.fetch(&request).ok()?;
            text.push_str(&window.text);
            match window.next_offset {
                Some(next) if next > at => at = next,
                _ => return Some(text),
            }
        }
    }
}

impl EvidenceSource for SnapshotEvidence {
    fn query_terms(&mut self, query: &str) -> BTreeSet<String> {
        // The positive words and phrases: `site:`, exclusions and `OR` are not terms.
        let semantic = driftless_index::query::parse(query, &mut self.analyzer)
            .map_or_else(|_| query.to_string(), |parsed| parsed.semantic);
        self.terms(&semantic)
    }

    fn terms(&mut self, text: &str) -> BTreeSet<String> {
        analyze(&mut self.analyzer, text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    fn add_terms(&mut self, text: &str, into: &mut FastHashSet<String>) {
        if text.len() > CACHE_MAX_CHARS {
            into.extend(self.terms(text));
            return;
        }
        if !self.cache.contains_key(text) {
            if self.cache.len() >= CACHE_ENTRIES {
                self.cache.clear();
            }
            let terms: Vec<String> = self.terms(text).into_iter().collect();
            self.cache.insert(text.to_string(), terms);
        }
        for term in self.cache.get(text).into_iter().flatten() {
            if !into.contains(term) {
                into.insert(term.clone());
            }
        }
    }

    fn delivered_texts(&mut self, record: &LogRecord) -> Option<Vec<String>> {
        let delivered = record.params.get("delivered");
        let fetched = record
            .query
            .is_none()
            .then_some(record.fetched_doc_id.as_deref());
        if delivered.is_none() && fetched.is_none() {
            return Some(Vec::new());
        }
        let snapshot = self
            .snapshot
            .as_ref()
            .filter(|s| s.id() == record.snapshot_id)?;
        if let Some(doc) = fetched {
            let offset = record.params["offset"].as_u64().unwrap_or(0);
            let max = record.params["max_chars"]
                .as_u64()
                .unwrap_or(DEFAULT_FETCH_CHARS);
            return Some(vec![self.read(snapshot, doc?, offset, Some(max))?]);
        }
        let window = delivered
            .and_then(|d| d.get("window_chars"))
            .and_then(|w| w.as_u64());
        record
            .results
            .iter()
            .map(|hit| match (window, hit.span) {
                (Some(chars), _) => self.read(snapshot, &hit.doc_id, 0, Some(chars)),
                (None, Some([start, end])) => self.read(
                    snapshot,
                    &hit.doc_id,
                    start,
                    Some(end.saturating_sub(start)),
                ),
                (None, None) => self.read(snapshot, &hit.doc_id, 0, None),
            })
            .collect()
    }

    fn evidence_kind(&self) -> &'static str {
        if self.snapshot.is_some() {
            "delivered"
        } else {
            "titles_snippets"
        }
    }
}
