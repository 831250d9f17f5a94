//! Fetch (document text windows by id or url) and term statistics.
use driftless_api::{
    DEFAULT_FETCH_CHARS, FetchRequest, FetchResponse, MAX_FETCH_CHARS, TermStat, TermStatsResponse,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, InvertedIndexReader, TERMINATED, Term};

use crate::analyzer::analyze;
use crate::error::{IndexError, InternalError, UserError};
use crate::snapshot::Snapshot;

/// The forms of a URL to look up, in order: as given, then without surrounding spaces and
/// `#fragment` (canonical URLs never have one), then with the other of `https://` and
/// `http://` (canonical URLs are https when the site serves it; a few corpora keep http).
/// Scheme and host compare case-insensitively, as URLs do.
pub fn url_candidates(url: &str) -> Vec<String> {
    let mut candidates = vec![url.to_string()];
    let trimmed = url.trim();
    let trimmed = trimmed.split_once('#').map_or(trimmed, |(base, _)| base);
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => (String::new(), trimmed),
    };
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let host = host.to_ascii_lowercase();
    let join = |scheme: &str| {
        if path.is_empty() && !rest.contains('/') {
            format!("{scheme}://{host}")
        } else {
            format!("{scheme}://{host}/{path}")
        }
    };
    let normal = match scheme.as_str() {
        "https" | "http" => vec![
            join(&scheme),
            join(if scheme == "https" { "http" } else { "https" }),
        ],
        _ => vec![trimmed.to_string()],
    };
    for candidate in normal {
        if !candidates.contains(&candidate) {
            candidates.push(candidate);
        }
    }
    candidates
}

/// Most terms one `term_stats` call may ask for.
pub const MAX_STATS_TERMS: usize = 32;
/// Longest term accepted by `term_stats`, in characters.
pub const MAX_STATS_TERM_CHARS: usize = 100;

impl Snapshot {
    /// A window of one document's text, by doc_id or url.
    pub fn fetch(&self, request: &FetchRequest) -> Result<FetchResponse, IndexError> {
        let (field, key, what) = match (&request.doc_id, &request.url) {
            (Some(id), None) => (self.docs.fields.doc_id, id, "doc_id"),
            (None, Some(url)) => (self.docs.fields.url, url, "url"),
            (Some(_), Some(_)) => {
                return Err(
                    UserError::invalid("doc_id", "give either doc_id or url, not both").into(),
                );
            }
            (None, None) => return Err(UserError::invalid("doc_id", "give doc_id or url").into()),
        };
        if key.is_empty() || key.len() > 4096 {
            return Err(UserError::invalid(what, "must be 1 to 4096 bytes").into());
        }
        let max_chars = request.max_chars.unwrap_or(DEFAULT_FETCH_CHARS);
        if !(1..=MAX_FETCH_CHARS).contains(&max_chars) {
            return Err(UserError::invalid(
                "max_chars",
                format!("must be between 1 and {MAX_FETCH_CHARS}, got {max_chars}"),
            )
            .into());
        }
        let found = if what == "url" {
            self.lookup_url(key)?
        } else {
            self.lookup(field, key)?
        };
        let doc = found.ok_or_else(|| {
            UserError::NotFound(format!(
                "no document with {what} {key:?} in snapshot {}",
                self.id()
            ))
        })?;
        let stored = self.stored_doc(doc)?;
        let total_chars = stored.text.chars().count() as u64;
        if request.offset > total_chars {
            return Err(UserError::invalid(
                "offset",
                format!("is past the end of the document ({total_chars} characters)"),
            )
            .into());
        }
        let text: String = stored
            .text
            .chars()
            .skip(request.offset as usize)
            .take(max_chars as usize)
            .collect();
        let end = request.offset + text.chars().count() as u64;
        Ok(FetchResponse {
            snapshot: self.id().to_string(),
            doc_id: stored.doc_id,
            url: stored.url,
            title: stored.title,
            text,
            offset: request.offset,
            total_chars,
            next_offset: Some(end).filter(|end| *end < total_chars),
        })
    }

    /// The document at `url`, or at its normal form: what a client copied from a page
    /// (`…#section`, `http://…`) names the same page as the canonical `https://` URL.
    fn lookup_url(&self, url: &str) -> Result<Option<DocId>, InternalError> {
        for candidate in url_candidates(url) {
            if let Some(doc) = self.lookup(self.docs.fields.url, &candidate)? {
                return Ok(Some(doc));
            }
        }
        Ok(None)
    }

    /// Doc id of the document whose raw `field` equals `key` (ids and URLs are unique, so
    /// at most one segment holds it).
    fn lookup(&self, field: Field, key: &str) -> Result<Option<DocId>, InternalError> {
        let term = Term::from_field_text(field, key);
        for part in self.docs.bm25.segments.parts() {
            let inverted = part.reader.inverted_index(field)?;
            let postings = inverted
                .read_postings(&term, IndexRecordOption::Basic)
                .map_err(tantivy::TantivyError::from)?;
            if let Some(doc) = postings.map(|p| p.doc()).filter(|&doc| doc != TERMINATED) {
                return Ok(Some(part.base + doc));
            }
        }
        Ok(None)
    }

    /// Document frequency of each term (after analysis) and corpus size.
    pub fn term_stats(&self, terms: &[String]) -> Result<TermStatsResponse, IndexError> {
        if terms.is_empty() || terms.len() > MAX_STATS_TERMS {
            return Err(UserError::invalid(
                "terms",
                format!("give 1 to {MAX_STATS_TERMS} terms, got {}", terms.len()),
            )
            .into());
        }
        let mut analyzer = self.analyzer.clone();
        let mut stats = Vec::with_capacity(terms.len());
        for term in terms {
            if term.trim().is_empty() || term.chars().count() > MAX_STATS_TERM_CHARS {
                return Err(UserError::invalid(
                    "terms",
                    format!("each term must be 1 to {MAX_STATS_TERM_CHARS} characters"),
                )
                .into());
            }
            crate::search::validate_query(term).map_err(|_| {
                UserError::invalid("terms", "terms must not contain control characters")
            })?;
            let mut tokens: Vec<String> = analyze(&mut analyzer, term)
                .into_iter()
                .map(|t| t.text)
                .collect();
            tokens.dedup();
            let doc_freq = self.docs_with_all(&tokens)?;
            stats.push(TermStat {
                term: term.clone(),
                tokens,
                doc_freq,
            });
        }
        Ok(TermStatsResponse {
            snapshot: self.id().to_string(),
            total_docs: self.docs.bm25.num_docs(),
            total_passages: self.passages.bm25.num_docs(),
            terms: stats,
        })
    }

    /// Documents containing every token (0 for none): intersects postings by leapfrogging.
    fn docs_with_all(&self, tokens: &[String]) -> Result<u64, InternalError> {
        if tokens.is_empty() {
            return Ok(0);
        }
        if let [one] = tokens {
            return self.docs.bm25.doc_freq(one);
        }
        let mut count = 0;
        for part in self.docs.bm25.segments.parts() {
            let inverted = part.reader.inverted_index(self.docs.fields.content)?;
            count += docs_with_all_in(&inverted, self.docs.fields.content, tokens)?;
        }
        Ok(count)
    }
}

/// Documents of one segment containing every token: intersects postings by leapfrogging.
fn docs_with_all_in(
    inverted: &InvertedIndexReader,
    content: Field,
    tokens: &[String],
) -> Result<u64, InternalError> {
    let mut lists = Vec::with_capacity(tokens.len());
    for token in tokens {
        let term = Term::from_field_text(content, token);
        match inverted
            .read_postings(&term, IndexRecordOption::Basic)
            .map_err(tantivy::TantivyError::from)?
        {
            Some(postings) => lists.push(postings),
            None => return Ok(0),
        }
    }
    let mut count = 0;
    let mut candidate = lists[0].doc();
    'outer: while candidate != TERMINATED {
        for list in &mut lists {
            // A list may already stand past the candidate (seek only moves forward).
            let found = if list.doc() < candidate {
                list.seek(candidate)
            } else {
                list.doc()
            };
            if found != candidate {
                candidate = found;
                continue 'outer;
            }
        }
        count += 1;
        candidate = lists[0].advance();
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::url_candidates;

    #[test]
    fn urls_normalise_like_canonical_ones() {
        let canonical = "https://www.postgresql.org/docs/15/sql-select.html";
        for form in [
            "https://www.postgresql.org/docs/15/sql-select.html#SQL-WITH",
            "http://www.postgresql.org/docs/15/sql-select.html",
            " HTTP://WWW.PostgreSQL.org/docs/15/sql-select.html#x ",
        ] {
            assert!(
                url_candidates(form).contains(&canonical.to_string()),
                "{form}"
            );
        }
        // The path keeps its case (servers treat it as case-sensitive).
        assert!(!url_candidates("https://e.org/A.html").contains(&"https://e.org/a.html".into()));
        // Non-web ids (urn:driftless:…) only lose a fragment.
        assert_eq!(url_candidates("urn:driftless:7"), vec!["urn:driftless:7"]);
    }
}
