//! Search requests: validation, ranking, hits with snippets.
use std::collections::HashSet;

use driftless_api::{
    Hit, MAX_K, MAX_QUERY_CHARS, MAX_RESULT_WINDOW, Mode, SearchRequest, SearchResponse, Unit,
};
use tantivy::DocId;
use tantivy::schema::{TantivyDocument, Value};

use crate::bm25::{Bm25Params, Scored};
use crate::error::{IndexError, InternalError, UserError};
use crate::query::{ParsedQuery, parse};
use crate::snapshot::Snapshot;
use crate::snippet::snippet;

/// Stored fields of one document.
#[derive(Debug, Clone)]
pub(crate) struct StoredDoc {
    pub doc_id: String,
    pub url: String,
    pub title: String,
    pub text: String,
}

/// Checks `q`: non-empty, at most [`MAX_QUERY_CHARS`], no control characters but tab/newline.
pub(crate) fn validate_query(q: &str) -> Result<(), UserError> {
    if q.trim().is_empty() {
        return Err(UserError::invalid("q", "must not be empty"));
    }
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(UserError::invalid(
            "q",
            format!("is {chars} characters long; the limit is {MAX_QUERY_CHARS}"),
        ));
    }
    if let Some(c) = q
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(UserError::invalid(
            "q",
            format!(
                "contains the control character U+{:04X}; remove it",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

fn validate_params(request: &SearchRequest, defaults: Bm25Params) -> Result<Bm25Params, UserError> {
    if !(1..=MAX_K).contains(&request.k) {
        return Err(UserError::invalid(
            "k",
            format!("must be between 1 and {MAX_K}, got {}", request.k),
        ));
    }
    if u64::from(request.offset) + u64::from(request.k) > u64::from(MAX_RESULT_WINDOW) {
        return Err(UserError::invalid(
            "offset",
            format!(
                "offset + k must be at most {MAX_RESULT_WINDOW}, got {}",
                u64::from(request.offset) + u64::from(request.k)
            ),
        ));
    }
    let k1 = request.k1.unwrap_or(defaults.k1);
    if !k1.is_finite() || !(0.0..=10.0).contains(&k1) {
        return Err(UserError::invalid(
            "k1",
            format!("must be a number in [0, 10], got {k1}"),
        ));
    }
    let b = request.b.unwrap_or(defaults.b);
    if !b.is_finite() || !(0.0..=1.0).contains(&b) {
        return Err(UserError::invalid(
            "b",
            format!("must be a number in [0, 1], got {b}"),
        ));
    }
    Ok(Bm25Params { k1, b })
}

impl Snapshot {
    /// Ranked search. CPU-bound: call it off the async reactor.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, IndexError> {
        validate_query(&request.q)?;
        let params = validate_params(request, self.default_bm25())?;
        let mode = request.mode.unwrap_or_else(|| self.default_mode());
        if mode != Mode::Bm25 {
            return Err(UserError::ModeUnavailable(format!(
                "mode `{mode}` needs a dense index and this snapshot has none; use mode=bm25 or rebuild with `driftless build --dense`"
            ))
            .into());
        }
        let mut analyzer = self.analyzer.clone();
        let query = parse(&request.q, &mut analyzer)?;
        let limit = (request.offset + request.k) as usize;
        let terms: HashSet<&str> = query.highlight_tokens().collect();
        let ranked = match request.unit {
            Unit::Doc => self.docs.top(&query, params, limit)?,
            Unit::Passage => self.passages.top(&query, params, limit)?,
        };
        let mut results = Vec::with_capacity(request.k as usize);
        for (i, scored) in ranked.iter().enumerate().skip(request.offset as usize) {
            let rank = i as u32 + 1;
            let hit = match request.unit {
                Unit::Doc => self.doc_hit(scored, &query, params, &terms, request)?,
                Unit::Passage => self.passage_hit(scored, &terms, request)?,
            };
            results.push(Hit { rank, ..hit });
        }
        Ok(SearchResponse {
            snapshot: self.id().to_string(),
            query: request.q.clone(),
            mode,
            unit: request.unit,
            k: request.k,
            offset: request.offset,
            results,
        })
    }

    pub(crate) fn stored_doc(&self, doc: DocId) -> Result<StoredDoc, InternalError> {
        let stored: TantivyDocument = self.doc_searcher.doc(tantivy::DocAddress::new(0, doc))?;
        let field = |f, name: &str| -> Result<String, InternalError> {
            stored
                .get_first(f)
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| {
                    InternalError::Corrupt(format!("document {doc} has no stored {name}"))
                })
        };
        Ok(StoredDoc {
            doc_id: field(self.doc_fields.doc_id, "doc_id")?,
            url: field(self.doc_fields.url, "url")?,
            title: field(self.doc_fields.title, "title")?,
            text: field(self.doc_fields.text, "text")?,
        })
    }

    fn passage_text<'t>(&self, text: &'t str, passage: DocId) -> Result<&'t str, InternalError> {
        let table = &self.passage_table;
        let (start, end) = (
            table.byte_start[passage as usize] as usize,
            table.byte_end[passage as usize] as usize,
        );
        text.get(start..end).ok_or_else(|| {
            InternalError::Corrupt(format!(
                "passage {passage} span {start}..{end} is outside its document"
            ))
        })
    }

    fn doc_hit(
        &self,
        scored: &Scored,
        query: &ParsedQuery,
        params: Bm25Params,
        terms: &HashSet<&str>,
        request: &SearchRequest,
    ) -> Result<Hit, InternalError> {
        let doc = self.stored_doc(scored.doc)?;
        let ord = scored.ord as usize;
        let first = self.doc_table.first_passage[ord] as usize;
        let count = self.doc_table.passage_count[ord] as usize;
        let mut passages: Vec<DocId> = (first..first + count)
            .filter_map(|p| self.passage_table.doc_of_ord.get(p).copied())
            .collect();
        passages.sort_unstable();
        // The snippet comes from the document's best passage under the same query.
        let passage_params = Bm25Params {
            k1: params.k1,
            b: params.b,
        };
        let scores = self.passages.score_docs(query, passage_params, &passages)?;
        let best = passages
            .iter()
            .zip(&scores)
            .max_by(|(a, sa), (b, sb)| {
                sa.total_cmp(sb).then_with(|| {
                    self.passages.ord_of[**b as usize].cmp(&self.passages.ord_of[**a as usize])
                })
            })
            .map(|(p, _)| *p);
        let source = match best {
            Some(passage) => self.passage_text(&doc.text, passage)?,
            None => doc.text.as_str(),
        };
        let mut analyzer = self.analyzer.clone();
        Ok(Hit {
            rank: 0,
            snippet: snippet(source, terms, &mut analyzer, request.highlight),
            score: rounded(scored.score),
            doc_id: doc.doc_id,
            url: doc.url,
            title: doc.title,
            passage_id: None,
            char_start: None,
            char_end: None,
        })
    }

    fn passage_hit(
        &self,
        scored: &Scored,
        terms: &HashSet<&str>,
        request: &SearchRequest,
    ) -> Result<Hit, InternalError> {
        let passage = scored.doc as usize;
        let table = &self.passage_table;
        let doc_ord = table.doc_ord[passage] as usize;
        let doc_id = *self.doc_table.doc_of_ord.get(doc_ord).ok_or_else(|| {
            InternalError::Corrupt(format!(
                "passage {passage} points at missing document {doc_ord}"
            ))
        })?;
        let doc = self.stored_doc(doc_id)?;
        let text = self.passage_text(&doc.text, scored.doc)?;
        let mut analyzer = self.analyzer.clone();
        Ok(Hit {
            rank: 0,
            snippet: snippet(text, terms, &mut analyzer, request.highlight),
            score: rounded(scored.score),
            passage_id: Some(format!("{}#{}", doc.doc_id, table.ordinal[passage])),
            char_start: Some(u64::from(table.char_start[passage])),
            char_end: Some(u64::from(table.char_end[passage])),
            doc_id: doc.doc_id,
            url: doc.url,
            title: doc.title,
        })
    }
}

/// Score as shown in bodies: 4 decimals, from the same quantisation that ranked it.
fn rounded(score: f32) -> f64 {
    crate::bm25::quantize(score) as f64 / 10_000.0
}
