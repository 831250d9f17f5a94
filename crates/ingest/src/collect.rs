//! Reading the corpus into doc_id order, counting what is skipped and why.
use std::collections::{BTreeMap, HashSet};

use driftless_corpus::{Document, Format, ReadItem, open_corpus};

use crate::progress::Phase;
use crate::{BuildOptions, IngestError};

/// Skipped sources kept per reason for the summary.
const EXAMPLES_PER_REASON: usize = 5;

/// The corpus, sorted by doc_id and de-duplicated.
#[derive(Debug)]
pub(crate) struct Collected {
    pub format: Format,
    pub documents: Vec<Document>,
    pub read: u64,
    pub skipped: BTreeMap<String, u64>,
    pub skipped_examples: BTreeMap<String, Vec<String>>,
    pub text_bytes: u64,
}

impl Collected {
    fn skip(&mut self, reason: &str, source: String) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
        let examples = self.skipped_examples.entry(reason.to_string()).or_default();
        if examples.len() < EXAMPLES_PER_REASON {
            examples.push(source);
        }
    }
}

/// Reads every record. Documents are held in memory so they can be indexed in doc_id
/// order, which is what makes two builds of the same corpus rank identically.
pub(crate) fn collect(options: &BuildOptions) -> Result<Collected, IngestError> {
    let corpus = open_corpus(&options.corpus, options.format, &options.reader)?;
    let mut collected = Collected {
        format: corpus.format(),
        documents: Vec::new(),
        read: 0,
        skipped: BTreeMap::new(),
        skipped_examples: BTreeMap::new(),
        text_bytes: 0,
    };
    let mut phase = Phase::start(options.progress, "reading", corpus.len_hint());
    for item in corpus {
        collected.read += 1;
        phase.inc(1);
        match item {
            ReadItem::Document(doc) => collected.documents.push(doc),
            ReadItem::Skipped(skip) => {
                tracing::debug!(source = %skip.source, reason = skip.reason.as_str(), detail = %skip.detail, "skipped");
                collected.skip(
                    skip.reason.as_str(),
                    format!("{}: {}", skip.source, skip.detail),
                );
            }
        }
    }
    phase.finish();

    // Stable sort: among duplicate ids the first one read wins, deterministically.
    let mut documents = std::mem::take(&mut collected.documents);
    documents.sort_by(|a, b| a.doc_id.cmp(&b.doc_id));
    let mut seen_urls = HashSet::new();
    let mut previous: Option<String> = None;
    for doc in documents {
        if previous.as_deref() == Some(doc.doc_id.as_str()) {
            collected.skip("duplicate_id", doc.doc_id.clone());
            continue;
        }
        previous = Some(doc.doc_id.clone());
        // fetch?url= must name one document.
        if !seen_urls.insert(doc.url.clone()) {
            collected.skip("duplicate_url", format!("{} ({})", doc.doc_id, doc.url));
            continue;
        }
        if doc.doc_id.len() > 1024 || doc.url.len() > 4096 {
            collected.skip(
                "invalid_record",
                format!("{}: id or url too long", truncate(&doc.doc_id)),
            );
            continue;
        }
        if doc.text.len() >= u32::MAX as usize {
            collected.skip("too_large", doc.doc_id.clone());
            continue;
        }
        collected.text_bytes += doc.text.len() as u64;
        collected.documents.push(doc);
    }
    if collected.documents.is_empty() {
        return Err(IngestError::Empty {
            corpus: options.corpus.display().to_string(),
            detail: format!(
                "read {} records, skipped {:?}",
                collected.read, collected.skipped
            ),
        });
    }
    Ok(collected)
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}
