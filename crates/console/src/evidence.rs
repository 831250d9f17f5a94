//! The evidence CTAR's view of a log (`logs analyse --snapshot`, the console's timelines): the engine's analyser for
//! terms, and the snapshot for the texts a record delivered (passages, raw content, fetched
//! windows), rebuilt from the ids and spans the log keeps instead of the text itself.
use std::sync::Arc;

use driftless_api::{DEFAULT_FETCH_CHARS, FetchRequest, MAX_FETCH_CHARS};
use driftless_index::Snapshot;
use driftless_index::analyzer::analyzer;
use driftless_querylog::LogRecord;
use driftless_querylog::analysis::{EvidenceSource, FastHashMap, TermId};
use tantivy::tokenizer::{TextAnalyzer, TokenStream as _};

/// Terms by the BM25 analyser; delivered texts from `snapshot` when it answered the record.
pub struct SnapshotEvidence {
    analyzer: TextAnalyzer,
    snapshot: Option<Arc<Snapshot>>,
    /// Every analysed term, numbered in first-seen order (the analysis compares ids).
    ids: FastHashMap<String, TermId>,
    /// Terms of short texts already analysed: a document shows the same title (and often
    /// the same snippet) in many sessions, and stemming every word of every result was the
    /// analysis's largest cost. Two generations approximate LRU in bounded memory: a hit in
    /// `old` moves the text to `young`, and a full `young` becomes `old`, dropping the
    /// texts nobody asked for meanwhile. The terms are a pure function of the text, so the
    /// cache never changes a result.
    young: FastHashMap<Box<str>, Box<[TermId]>>,
    old: FastHashMap<Box<str>, Box<[TermId]>>,
}

/// Texts one generation of the term cache holds (both: at most twice this, ~60 MB).
const CACHE_ENTRIES: usize = 100_000;
/// Longer texts (whole passages and fetched windows) are analysed without caching.
const CACHE_MAX_CHARS: usize = 512;

impl std::fmt::Debug for SnapshotEvidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotEvidence")
            .field("snapshot", &self.snapshot.as_ref().map(|s| s.id()))
            .field("terms", &self.ids.len())
            .field("cached_texts", &(self.young.len() + self.old.len()))
            .finish()
    }
}

impl SnapshotEvidence {
    /// Without a snapshot only titles and snippets count as evidence.
    pub fn new(snapshot: Option<Arc<Snapshot>>) -> Self {
        Self {
            analyzer: analyzer(),
            snapshot,
            ids: FastHashMap::default(),
            young: FastHashMap::default(),
            old: FastHashMap::default(),
        }
    }

    /// Calls `each` with the id of every term of `text`, in text order (repeats included).
    fn for_each_term(&mut self, text: &str, mut each: impl FnMut(TermId)) {
        let mut stream = self.analyzer.token_stream(text);
        while stream.advance() {
            let term = stream.token().text.as_str();
            let id = match self.ids.get(term) {
                Some(&id) => id,
                None => {
                    // More than 2³² distinct terms would need a wider id; saturating keeps
                    // the run going and only merges the rarest terms.
                    let id = TermId::try_from(self.ids.len()).unwrap_or(TermId::MAX);
                    self.ids.insert(term.to_string(), id);
                    id
                }
            };
            each(id);
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
    fn query_terms(&mut self, query: &str) -> Vec<TermId> {
        // The positive words and phrases: `site:`, exclusions and `OR` are not terms.
        let semantic = driftless_index::query::parse(query, &mut self.analyzer)
            .map_or_else(|_| query.to_string(), |parsed| parsed.semantic);
        let mut terms = Vec::new();
        self.for_each_term(&semantic, |id| terms.push(id));
        terms.sort_unstable();
        terms.dedup();
        terms
    }

    fn add_terms(&mut self, text: &str, into: &mut Vec<TermId>) {
        if text.len() > CACHE_MAX_CHARS {
            self.for_each_term(text, |id| into.push(id));
            return;
        }
        if let Some(terms) = self.young.get(text) {
            into.extend_from_slice(terms);
            return;
        }
        let (text, terms) = match self.old.remove_entry(text) {
            Some(entry) => entry,
            None => {
                let mut terms = Vec::new();
                self.for_each_term(text, |id| terms.push(id));
                terms.sort_unstable();
                terms.dedup();
                (text.into(), terms.into_boxed_slice())
            }
        };
        into.extend_from_slice(&terms);
        if self.young.len() >= CACHE_ENTRIES {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(text, terms);
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
