//! The web query syntax: bare terms, `"exact phrase"`, `-excluded`, `OR`, `site:host`.
//!
//! Semantics (documented in the README):
//! - bare terms are optional and ranked by BM25, as in Lucene/Pyserini's default
//!   (any-term match), so `OR` between bare terms changes nothing;
//! - a quoted phrase must match (a quoted single word must be present);
//!   `"a b" OR "c d"` requires either phrase;
//! - `-word` / `-"a phrase"` / `-site:host` exclude;
//! - several `site:` operands are alternatives (any of them);
//! - an unbalanced quote is literal text, never an error.
use driftless_api::MAX_QUERY_CLAUSES;
use tantivy::tokenizer::TextAnalyzer;

use crate::analyzer::analyze;
use crate::error::UserError;
use crate::schema::normalize_site;

/// Something a document either matches or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// A single index token.
    Term(String),
    /// Tokens at relative positions.
    Phrase(Vec<(usize, String)>),
}

/// A parsed query, ready for the scorer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Tokens that contribute BM25 score, in first-occurrence order, with their query count.
    pub scored: Vec<(String, u32)>,
    /// Each entry: the document must match at least one of the clauses.
    pub required: Vec<Vec<Clause>>,
    /// The document must match none of these.
    pub excluded: Vec<Clause>,
    /// When non-empty, the document must be under one of these sites.
    pub sites: Vec<String>,
    /// The document must not be under any of these sites.
    pub excluded_sites: Vec<String>,
}

impl ParsedQuery {
    /// True when nothing could ever match (e.g. only stop words).
    pub fn matches_nothing(&self) -> bool {
        self.scored.is_empty() && self.required.is_empty() && self.sites.is_empty()
    }

    /// Tokens to mark in snippets.
    pub fn highlight_tokens(&self) -> impl Iterator<Item = &str> {
        self.scored.iter().map(|(t, _)| t.as_str())
    }
}

#[derive(Debug)]
enum Item {
    Word { text: String, negated: bool },
    Phrase { text: String, negated: bool },
    Site { host: String, negated: bool },
    Or,
}

fn lex(query: &str) -> Result<Vec<Item>, UserError> {
    let mut items = Vec::new();
    let mut rest = query;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(items);
        }
        let mut negated = false;
        if let Some(after) = rest.strip_prefix('-')
            && after.starts_with(|c: char| !c.is_whitespace())
        {
            negated = true;
            rest = after;
        }
        if let Some(after) = rest.strip_prefix('"') {
            if let Some(end) = after.find('"') {
                items.push(Item::Phrase {
                    text: after[..end].to_string(),
                    negated,
                });
                rest = &after[end + 1..];
                continue;
            }
            // Unbalanced quote: the quote is literal text and the rest is read as words.
            rest = after;
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        if word == "OR" && !negated {
            items.push(Item::Or);
        } else if word
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("site:"))
        {
            let host = normalize_site(&word[5..]);
            if host.is_empty() {
                return Err(UserError::QuerySyntax(
                    "`site:` needs a host, e.g. site:www.postgresql.org".into(),
                ));
            }
            items.push(Item::Site { host, negated });
        } else {
            items.push(Item::Word {
                text: word.to_string(),
                negated,
            });
        }
    }
}

/// Groups items joined by `OR`; a dangling `OR` is dropped (it is a stop word anyway).
fn groups(items: Vec<Item>) -> Vec<Vec<Item>> {
    let mut groups: Vec<Vec<Item>> = Vec::new();
    let mut joining = false;
    for item in items {
        match item {
            Item::Or => joining = !groups.is_empty(),
            other => {
                match groups.last_mut() {
                    Some(group) if joining => group.push(other),
                    _ => groups.push(vec![other]),
                }
                joining = false;
            }
        }
    }
    groups
}

/// Parses `query` with the snapshot's analyzer.
pub fn parse(query: &str, analyzer: &mut TextAnalyzer) -> Result<ParsedQuery, UserError> {
    let mut parsed = ParsedQuery::default();
    let mut had_exclusion = false;
    let mut had_positive = false;
    for group in groups(lex(query)?) {
        let mut alternatives = Vec::new();
        let mut has_phrase = false;
        for item in group {
            match item {
                Item::Site {
                    host,
                    negated: true,
                } => {
                    had_exclusion = true;
                    parsed.excluded_sites.push(host);
                }
                Item::Site {
                    host,
                    negated: false,
                } => parsed.sites.push(host),
                Item::Word { text, negated } | Item::Phrase { text, negated } if negated => {
                    had_exclusion = true;
                    let tokens = analyze(analyzer, &text);
                    if let Some(clause) = phrase_clause(&tokens) {
                        // `-foo-bar` excludes the phrase "foo bar", like a quoted one.
                        parsed.excluded.push(clause);
                    }
                }
                Item::Word { text, .. } => {
                    had_positive = true;
                    for token in analyze(analyzer, &text) {
                        add_scored(&mut parsed, &token.text);
                        alternatives.push(Clause::Term(token.text));
                    }
                }
                Item::Phrase { text, .. } => {
                    had_positive = true;
                    let tokens = analyze(analyzer, &text);
                    for token in &tokens {
                        add_scored(&mut parsed, &token.text);
                    }
                    if let Some(clause) = phrase_clause(&tokens) {
                        has_phrase = true;
                        alternatives.push(clause);
                    }
                }
                Item::Or => {}
            }
        }
        // Only a group containing a phrase constrains matching; bare terms are optional.
        if has_phrase {
            parsed.required.push(alternatives);
        }
    }
    let clauses = parsed.required.iter().map(Vec::len).sum::<usize>() + parsed.excluded.len();
    if clauses > MAX_QUERY_CLAUSES {
        return Err(UserError::QuerySyntax(format!(
            "the query has {clauses} phrase and exclusion clauses; at most {MAX_QUERY_CLAUSES} are allowed: drop some quotes or -exclusions"
        )));
    }
    // Only a query with nothing positive at all is an error; positive words that are all
    // stop words simply match nothing.
    if had_exclusion && !had_positive {
        return Err(UserError::QuerySyntax(
            "the query only excludes (-term, -site:); add a term, a \"phrase\" or a site: to match"
                .into(),
        ));
    }
    Ok(parsed)
}

fn add_scored(parsed: &mut ParsedQuery, token: &str) {
    match parsed.scored.iter_mut().find(|(t, _)| t == token) {
        Some((_, count)) => *count += 1,
        None => parsed.scored.push((token.to_string(), 1)),
    }
}

fn phrase_clause(tokens: &[crate::analyzer::AnalyzedToken]) -> Option<Clause> {
    match tokens {
        [] => None,
        [one] => Some(Clause::Term(one.text.clone())),
        [first, ..] => Some(Clause::Phrase(
            tokens
                .iter()
                .map(|t| (t.position - first.position, t.text.clone()))
                .collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::analyzer;

    fn p(q: &str) -> ParsedQuery {
        parse(q, &mut analyzer()).expect("parses")
    }

    fn phrase(tokens: &[(usize, &str)]) -> Clause {
        Clause::Phrase(tokens.iter().map(|(p, t)| (*p, (*t).to_string())).collect())
    }

    #[test]
    fn bare_terms_are_scored_and_optional() {
        let q = p("create index concurrently");
        assert_eq!(
            q.scored.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
            ["creat", "index", "concurr"]
        );
        assert!(q.required.is_empty());
    }

    #[test]
    fn phrases_are_required_with_position_gaps() {
        let q = p(r#"vacuum "index of the table""#);
        assert_eq!(q.required, vec![vec![phrase(&[(0, "index"), (3, "tabl")])]]);
        assert_eq!(q.scored.len(), 3);
    }

    #[test]
    fn or_between_phrases_is_an_alternative() {
        let q = p(r#""foreign key" OR "unique constraint" OR primary"#);
        assert_eq!(q.required.len(), 1);
        assert_eq!(q.required[0].len(), 3);
        assert_eq!(q.required[0][2], Clause::Term("primari".into()));
    }

    #[test]
    fn exclusions_and_sites() {
        let q = p("index -btree -\"hash index\" site:PostgreSQL.org -site:docs.python.org/3.11/");
        assert_eq!(
            q.excluded,
            vec![
                Clause::Term("btree".into()),
                phrase(&[(0, "hash"), (1, "index")])
            ]
        );
        assert_eq!(q.sites, vec!["postgresql.org"]);
        assert_eq!(q.excluded_sites, vec!["docs.python.org/3.11"]);
    }

    #[test]
    fn unbalanced_quote_is_literal() {
        assert_eq!(p("\"").scored, vec![]);
        let q = p("say \"hello world");
        assert!(q.required.is_empty());
        assert_eq!(q.scored.len(), 3);
    }

    #[test]
    fn dangling_or_and_repeated_terms() {
        let q = p("OR index OR OR index");
        assert_eq!(q.scored, vec![("index".to_string(), 2)]);
        assert!(p("the of").matches_nothing());
    }

    #[test]
    fn errors() {
        assert!(matches!(
            parse("site:", &mut analyzer()),
            Err(UserError::QuerySyntax(_))
        ));
        assert!(matches!(
            parse("-foo -bar", &mut analyzer()),
            Err(UserError::QuerySyntax(_))
        ));
        assert!(parse("-", &mut analyzer()).is_ok());
        assert!(parse("the with -foo", &mut analyzer()).is_ok_and(|q| q.matches_nothing()));
    }

    #[test]
    fn phrase_and_exclusion_clauses_are_capped() {
        let at_cap: Vec<String> = (0..MAX_QUERY_CLAUSES)
            .map(|i| format!("\"table{i} index\""))
            .collect();
        assert!(parse(&at_cap.join(" "), &mut analyzer()).is_ok());
        let over = format!("{} -vacuum", at_cap.join(" "));
        let Err(UserError::QuerySyntax(message)) = parse(&over, &mut analyzer()) else {
            panic!("{over} was accepted");
        };
        assert!(message.contains("at most 16"), "{message}");
        // Bare terms are not clauses: a long plain query stays fine.
        let plain: Vec<String> = (0..100).map(|i| format!("word{i}")).collect();
        assert!(parse(&plain.join(" "), &mut analyzer()).is_ok());
    }
}
