//! Search requests: validation, ranking, hits with snippets.
use driftless_api::{
    Hit, MAX_DENSE_WINDOW, MAX_FUSION_K, MAX_K, MAX_QUERY_CHARS, MAX_RESULT_WINDOW, Mode,
    SearchRequest, SearchResponse, Unit,
};

use crate::bm25::{Bm25Index, Bm25Params, Scored};
use crate::error::{IndexError, UserError};
use crate::explain;
use crate::filter::Filter;
use crate::fusion;
use crate::hits::{HitBuilder, HitTexts};
use crate::query::{ParsedQuery, parse};
use crate::ranking::{self, Ranked};
use crate::snapshot::Snapshot;

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
    let params = Bm25Params {
        k1: request.k1.unwrap_or(defaults.k1),
        b: request.b.unwrap_or(defaults.b),
    }
    .validate()
    .map_err(|(name, message)| UserError::invalid(name, message))?;
    if let Some(k) = request.fusion_k
        && !(1..=MAX_FUSION_K).contains(&k)
    {
        return Err(UserError::invalid(
            "fusion_k",
            format!("must be between 1 and {MAX_FUSION_K}, got {k}"),
        ));
    }
    Ok(params)
}

/// Candidates each list contributes to hybrid fusion and to dense MaxP roll-ups.
const FUSION_DEPTH: usize = 100;

impl Snapshot {
    /// Ranked search. CPU-bound: call it off the async reactor.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, IndexError> {
        self.search_texts(request, HitTexts::Omit)
            .map(|(response, _)| response)
    }

    /// [`Snapshot::search`] and, with [`HitTexts::Include`], the whole text of each hit's
    /// unit in hit order (empty with [`HitTexts::Omit`]).
    pub fn search_texts(
        &self,
        request: &SearchRequest,
        texts: HitTexts,
    ) -> Result<(SearchResponse, Vec<String>), IndexError> {
        validate_query(&request.q)?;
        let params = validate_params(request, self.default_bm25())?;
        let mode = request.mode.unwrap_or_else(|| self.default_mode());
        let window = u64::from(request.offset) + u64::from(request.k);
        if mode != Mode::Bm25 && window > u64::from(MAX_DENSE_WINDOW) {
            return Err(UserError::invalid(
                "offset",
                format!(
                    "offset + k must be at most {MAX_DENSE_WINDOW} in mode `{mode}` (an approximate ranking's tail), got {window}; use mode=bm25 to page deeper"
                ),
            )
            .into());
        }
        let mut analyzer = self.analyzer.clone();
        let query = parse(&request.q, &mut analyzer)?;
        let limit = (request.offset + request.k) as usize;
        let ranked = self.rank(mode, request, &query, params, limit)?;
        let quantum = ranking::quantum(mode == Mode::Hybrid);
        let mut results = Vec::with_capacity(request.k as usize);
        let mut unit_texts = Vec::new();
        let mut builder = HitBuilder {
            query: &query,
            params,
            terms: query.highlight_tokens().collect(),
            request,
            texts,
            analyzer: &mut analyzer,
        };
        for (i, item) in ranked
            .iter()
            .enumerate()
            .take(limit)
            .skip(request.offset as usize)
        {
            let (hit, text) = self.hit(&mut builder, item)?;
            unit_texts.extend(text);
            results.push(Hit {
                rank: i as u32 + 1,
                score: ranking::shown(item.score, quantum),
                explain: request
                    .explain
                    .then(|| explain::explain(mode, i, item, self.fusion_k(request))),
                ..hit
            });
        }
        let response = SearchResponse {
            snapshot: self.id().to_string(),
            query: request.q.clone(),
            mode,
            unit: request.unit,
            k: request.k,
            offset: request.offset,
            results,
        };
        Ok((response, unit_texts))
    }

    /// The ranking of `mode` for the request's unit, best first, at least `limit` long
    /// when that many match.
    fn rank(
        &self,
        mode: Mode,
        request: &SearchRequest,
        query: &ParsedQuery,
        params: Bm25Params,
        limit: usize,
    ) -> Result<Vec<Ranked>, IndexError> {
        let index = match request.unit {
            Unit::Doc => &self.docs.bm25,
            Unit::Passage => &self.passages.bm25,
        };
        if mode == Mode::Bm25 {
            return rank_bm25(index, query, params, limit, index.filter(query)?.as_ref());
        }
        let dense = self.dense.as_ref().ok_or_else(|| {
            UserError::ModeUnavailable(format!(
                "mode `{mode}` needs a dense index and this snapshot has none; use mode=bm25 or rebuild with `driftless build --dense`"
            ))
        })?;
        // The operators, resolved once for both lists of a hybrid ranking (a phrase walks
        // its postings over the whole index); they hold in every mode (dense_filter.rs).
        let filter = index.filter(query)?;
        // A query of operators only (`site:host`) has nothing to embed: it lists the
        // admitted units as BM25 does.
        if query.semantic.is_empty() {
            return rank_bm25(index, query, params, limit, filter.as_ref());
        }
        let vector = dense.embed(&query.semantic)?;
        let depth = limit.max(FUSION_DEPTH);
        let dense_ranked = |exact: bool| -> Vec<Ranked> {
            let unit = request.unit;
            match unit {
                Unit::Passage => self
                    .dense_passages(dense, &vector, unit, filter.as_ref(), depth, exact)
                    .into_iter()
                    .map(|(ord, s)| Ranked::single(ord, f64::from(s), Some(ord)))
                    .collect(),
                Unit::Doc => {
                    // MaxP over every passage (exact) or over the ANN candidates.
                    let passages = if exact { dense.len() } else { depth * 2 };
                    let hits =
                        self.dense_passages(dense, &vector, unit, filter.as_ref(), passages, exact);
                    fusion::max_passage(&hits, |p| self.passages.table.doc_ord[self.passage_doc(p)])
                }
            }
        };
        Ok(match mode {
            Mode::Dense => dense_ranked(false),
            Mode::DenseExact => dense_ranked(true),
            Mode::Hybrid => {
                let lexical = rank_bm25(index, query, params, depth, filter.as_ref())?;
                let semantic = dense_ranked(false);
                let lexical = &lexical[..lexical.len().min(depth)];
                let semantic = &semantic[..semantic.len().min(depth)];
                let k = request.fusion_k.unwrap_or(dense.config.rrf_k);
                fusion::reciprocal_rank_fusion(&[lexical, semantic], k)
            }
            Mode::Bm25 => Vec::new(),
        })
    }
}

/// The BM25 ranking of `index` for `query` under `filter` (the query's operators over that
/// index, resolved by the caller), as [`Ranked`] units.
fn rank_bm25(
    index: &Bm25Index,
    query: &ParsedQuery,
    params: Bm25Params,
    limit: usize,
    filter: Option<&Filter>,
) -> Result<Vec<Ranked>, IndexError> {
    Ok(index
        .top_filtered(query, params, limit, filter)?
        .into_iter()
        .map(|s: Scored| Ranked::single(s.ord, f64::from(s.score), None))
        .collect())
}
