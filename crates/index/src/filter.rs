//! The query operators as a filter over one index's documents or passages, for every mode.
//!
//! BM25 applies `"phrase"`, `-word`, `-"phrase"`, `site:` and `-site:` while it scores; the
//! dense modes rank vectors, which know nothing of words or hosts, so they ask the same
//! filter of each candidate (dense_filter.rs). One filter built from the same postings
//! means a hit is admitted by exactly the same rule whatever the mode: the property test in
//! tests/filters_every_mode.rs checks it on the real corpus.
use tantivy::query::{EnableScoring, PhraseQuery, Query};
use tantivy::schema::IndexRecordOption;
use tantivy::{BitSet, DocId, DocSet, TERMINATED, Term};

use crate::bm25::Bm25Index;
use crate::error::InternalError;
use crate::query::{Clause, ParsedQuery};

/// The operators of one query resolved against one index (sets of tantivy doc ids).
#[derive(Debug)]
pub(crate) struct Filter {
    /// Each: the unit must be in it (one set per required group of alternatives).
    required: Vec<BitSet>,
    excluded: Option<BitSet>,
    sites: Option<BitSet>,
    excluded_sites: Option<BitSet>,
}

impl Filter {
    /// Whether the unit with tantivy doc id `doc` satisfies every operator.
    pub(crate) fn admits(&self, doc: DocId) -> bool {
        self.required.iter().all(|set| set.contains(doc))
            && self.excluded.as_ref().is_none_or(|set| !set.contains(doc))
            && self.sites.as_ref().is_none_or(|set| set.contains(doc))
            && self
                .excluded_sites
                .as_ref()
                .is_none_or(|set| !set.contains(doc))
    }

    /// The `site:` set, when the query has one (BM25 lists every unit of the site for a
    /// query of nothing else).
    pub(crate) fn sites(&self) -> Option<&BitSet> {
        self.sites.as_ref()
    }

    /// An upper bound on the units admitted: the smallest set every admitted unit must be
    /// in (`site:` or a required group), else `all`. The dense modes scan the admitted
    /// units exactly when this is small (dense_filter.rs).
    pub(crate) fn bound(&self, all: usize) -> usize {
        self.required
            .iter()
            .chain(self.sites.as_ref())
            .map(|set| set.len())
            .min()
            .unwrap_or(all)
            .min(all)
    }

    /// The units that may be admitted, in doc id order: members of the smallest positive set
    /// (see [`Filter::bound`]), or every doc id below `max_doc`. Callers check
    /// [`Filter::admits`] on each.
    pub(crate) fn candidates(&self, max_doc: DocId) -> Box<dyn Iterator<Item = DocId> + '_> {
        let smallest = self
            .required
            .iter()
            .chain(self.sites.as_ref())
            .min_by_key(|set| set.len());
        match smallest {
            Some(set) => Box::new(members(set).take_while(move |&doc| doc < max_doc)),
            None => Box::new(0..max_doc),
        }
    }
}

/// The members of `set` in ascending order, a 64-bit bucket at a time.
fn members(set: &BitSet) -> impl Iterator<Item = DocId> + '_ {
    (0..set.max_value().div_ceil(64)).flat_map(move |bucket| {
        let mut bits = set.tinyset(bucket);
        std::iter::from_fn(move || bits.pop_lowest().map(|bit| bucket * 64 + bit))
    })
}

impl Bm25Index {
    /// The operators of `query` over this index, or `None` when it has none (the common
    /// case costs nothing).
    pub(crate) fn filter(&self, query: &ParsedQuery) -> Result<Option<Filter>, InternalError> {
        if query.required.is_empty()
            && query.excluded.is_empty()
            && query.sites.is_empty()
            && query.excluded_sites.is_empty()
        {
            return Ok(None);
        }
        let required = query
            .required
            .iter()
            .map(|alternatives| self.union(alternatives.iter()))
            .collect::<Result<Vec<_>, _>>()?;
        let excluded = if query.excluded.is_empty() {
            None
        } else {
            Some(self.union(query.excluded.iter())?)
        };
        let sites = if query.sites.is_empty() {
            None
        } else {
            Some(self.site_set(&query.sites)?)
        };
        let excluded_sites = if query.excluded_sites.is_empty() {
            None
        } else {
            Some(self.site_set(&query.excluded_sites)?)
        };
        Ok(Some(Filter {
            required,
            excluded,
            sites,
            excluded_sites,
        }))
    }
}

/// The sets the filter is made of, from the index's postings.
impl Bm25Index {
    /// Documents matching any of `clauses`.
    pub(crate) fn union<'a>(
        &self,
        clauses: impl Iterator<Item = &'a Clause>,
    ) -> Result<BitSet, InternalError> {
        let mut set = BitSet::with_max_value(self.max_doc().max(1));
        for clause in clauses {
            match clause {
                Clause::Term(token) => {
                    self.insert_term(&Term::from_field_text(self.content, token), &mut set)?;
                }
                Clause::Phrase(tokens) => {
                    let terms = tokens
                        .iter()
                        .map(|(offset, token)| {
                            (*offset, Term::from_field_text(self.content, token))
                        })
                        .collect();
                    let phrase = PhraseQuery::new_with_offset(terms);
                    let weight =
                        phrase.weight(EnableScoring::disabled_from_schema(&self.schema))?;
                    for part in self.segments.parts() {
                        let mut scorer = weight.scorer(&part.reader, 1.0)?;
                        let mut doc = scorer.doc();
                        while doc != TERMINATED {
                            set.insert(part.base + doc);
                            doc = scorer.advance();
                        }
                    }
                }
            }
        }
        Ok(set)
    }

    pub(crate) fn site_set(&self, sites: &[String]) -> Result<BitSet, InternalError> {
        let mut set = BitSet::with_max_value(self.max_doc().max(1));
        for site in sites {
            self.insert_term(&Term::from_field_text(self.site, site), &mut set)?;
        }
        Ok(set)
    }

    fn insert_term(&self, term: &Term, set: &mut BitSet) -> Result<(), InternalError> {
        for part in self.segments.parts() {
            let inverted = part.reader.inverted_index(term.field())?;
            let Some(mut postings) = inverted
                .read_postings(term, IndexRecordOption::Basic)
                .map_err(tantivy::TantivyError::from)?
            else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                set.insert(part.base + doc);
                doc = postings.advance();
            }
        }
        Ok(())
    }
}
