//! The web query syntax: bare terms, `"exact phrase"`, `-excluded`, `OR`, `site:host`, and
//! Lucene's boosts (`vacuum^2`, `"full scan"^1.5`).
//!
//! Semantics (documented in the README):
//! - bare terms are optional and ranked by BM25, as in Lucene/Pyserini's default
//!   (any-term match), so `OR` between bare terms changes nothing;
//! - a quoted phrase must match (a quoted single word must be present);
//!   `"a b" OR "c d"` requires either phrase;
//! - `-word` / `-"a phrase"` / `-site:host` exclude;
//! - several `site:` operands are alternatives (any of them);
//! - an unbalanced quote is literal text, never an error;
//! - `term^w` multiplies the term's BM25 weight by `w` (0 < w ≤ 100; repeats add up, so
//!   `vacuum vacuum` is `vacuum^2`), for agents that weight their query by statistics
//!   (SIRA); a `^` not followed by a number is literal text.
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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedQuery {
    /// Tokens that contribute BM25 score, in first-occurrence order, with their query
    /// weight: the sum of their occurrences' boosts (1 unless `^w`).
    pub scored: Vec<(String, f32)>,
    /// Each entry: the document must match at least one of the clauses.
    pub required: Vec<Vec<Clause>>,
    /// The document must match none of these.
    pub excluded: Vec<Clause>,
    /// When non-empty, the document must be under one of these sites.
    pub sites: Vec<String>,
    /// The document must not be under any of these sites.
    pub excluded_sites: Vec<String>,
    /// What the dense modes embed: the positive words and phrases as written, one space
    /// apart, without quotes, `OR`, exclusions or `site:` (which would be embedded as
    /// words and pull the ranking towards pages that mention "site" or the host).
    pub semantic: String,
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
    Word {
        text: String,
        negated: bool,
        boost: f32,
    },
    Phrase {
        text: String,
        negated: bool,
        boost: f32,
    },
    Site {
        host: String,
        negated: bool,
    },
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
                rest = &after[end + 1..];
                let mut boost = 1.0;
                if let Some(suffix) = rest.strip_prefix('^') {
                    let len = suffix.find(char::is_whitespace).unwrap_or(suffix.len());
                    if let Some(value) = parse_boost(&suffix[..len])? {
                        boost = value;
                        rest = &suffix[len..];
                    }
                }
                items.push(Item::Phrase {
                    text: after[..end].to_string(),
                    negated,
                    boost,
                });
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
            let (text, boost) = match word.rfind('^') {
                Some(at) if at > 0 => match parse_boost(&word[at + 1..])? {
                    Some(boost) => (&word[..at], boost),
                    None => (word, 1.0),
                },
                _ => (word, 1.0),
            };
            items.push(Item::Word {
                text: text.to_string(),
                negated,
                boost,
            });
        }
    }
}

/// The boost after a `^`: `None` when it is not a number (the `^` is then literal text),
/// an error when it is a number outside (0, 100].
fn parse_boost(text: &str) -> Result<Option<f32>, UserError> {
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return Ok(None);
    }
    let Ok(value) = text.parse::<f32>() else {
        return Ok(None);
    };
    if value.is_finite() && value > 0.0 && value <= MAX_BOOST {
        Ok(Some(value))
    } else {
        Err(UserError::QuerySyntax(format!(
            "a term's boost must be above 0 and at most {MAX_BOOST}, got ^{text}"
        )))
    }
}

/// The largest `^w` boost: weights far beyond this only say "this term alone".
const MAX_BOOST: f32 = 100.0;

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

/// Appends `text`'s words to the embedded text, one space apart.
fn push_semantic(semantic: &mut String, text: &str) {
    for word in text.split_whitespace() {
        if !semantic.is_empty() {
            semantic.push(' ');
        }
        semantic.push_str(word);
    }
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
                Item::Word { text, negated, .. } | Item::Phrase { text, negated, .. }
                    if negated =>
                {
                    had_exclusion = true;
                    let tokens = analyze(analyzer, &text);
                    if let Some(clause) = phrase_clause(&tokens) {
                        // `-foo-bar` excludes the phrase "foo bar", like a quoted one.
                        parsed.excluded.push(clause);
                    }
                }
                Item::Word { text, boost, .. } => {
                    had_positive = true;
                    push_semantic(&mut parsed.semantic, &text);
                    for token in analyze(analyzer, &text) {
                        add_scored(&mut parsed, &token.text, boost);
                        alternatives.push(Clause::Term(token.text));
                    }
                }
                Item::Phrase { text, boost, .. } => {
                    had_positive = true;
                    push_semantic(&mut parsed.semantic, &text);
                    let tokens = analyze(analyzer, &text);
                    for token in &tokens {
                        add_scored(&mut parsed, &token.text, boost);
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

fn add_scored(parsed: &mut ParsedQuery, token: &str, boost: f32) {
    match parsed.scored.iter_mut().find(|(t, _)| t == token) {
        Some((_, weight)) => *weight += boost,
        None => parsed.scored.push((token.to_string(), boost)),
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
    fn the_embedded_text_has_no_operators() {
        let q = p(
            r#"vacuum  site:docs.python.org "full scan" OR freeze -btree -"hash index" -site:x.org"#,
        );
        assert_eq!(q.semantic, "vacuum full scan freeze");
        assert_eq!(p("site:postgresql.org").semantic, "");
        assert_eq!(p("create index").semantic, "create index");
    }

    #[test]
    fn boosts_weight_terms_and_phrases() {
        let q = p(r#"vacuum^2 freeze "full scan"^1.5 vacuum x^y -btree^3"#);
        assert_eq!(
            q.scored,
            vec![
                ("vacuum".to_string(), 3.0),
                ("freez".to_string(), 1.0),
                ("full".to_string(), 1.5),
                ("scan".to_string(), 1.5),
                ("x".to_string(), 1.0),
                ("y".to_string(), 1.0),
            ]
        );
        assert_eq!(q.semantic, "vacuum freeze full scan vacuum x^y");
        assert_eq!(q.excluded, vec![Clause::Term("btree".into())]);
        for bad in ["vacuum^0", "vacuum^101", "vacuum^1e9", "\"a b\"^0"] {
            assert!(
                matches!(parse(bad, &mut analyzer()), Err(UserError::QuerySyntax(_))),
                "{bad}"
            );
        }
        // `^` without a number stays text; a bare `^2` is a word.
        assert_eq!(p("c^^").scored, vec![("c".to_string(), 1.0)]);
        assert_eq!(p("^2").scored, vec![("2".to_string(), 1.0)]);
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
        assert_eq!(q.scored, vec![("index".to_string(), 2.0)]);
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
