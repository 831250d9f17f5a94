//! Tokens, similarity and reformulation classes: the definitions every query metric uses.
use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::Serialize;

/// Near-duplicate threshold: two queries are near-duplicates when the Jaccard similarity of
/// their token sets is at least 0.8.
pub const NEAR_DUPLICATE_JACCARD: f64 = 0.8;

/// Exploration threshold: a reformulation is exploration when fewer than 50% of the new
/// query's distinct tokens occurred in the previous query.
pub const EXPLORATION_OVERLAP: f64 = 0.5;

/// Splits text into tokens: maximal runs of Unicode alphanumeric characters, lowercased.
/// Everything else (spaces, punctuation, query operators such as `"`, `-`, `site:`,
/// markdown highlight marks `**`) separates tokens. No stemming and no stop words: CTAR
/// counts *exact* token matches.
pub fn tokenize(text: &str) -> Vec<String> {
    tokens(text).map(Cow::into_owned).collect()
}

/// [`tokenize`] without copying: a token that lowercasing leaves as it is (ASCII with no
/// capital) is borrowed from `text`. The analysis puts every title and snippet of every
/// result through this, so the copies were most of its allocations.
pub fn tokens(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| {
            if t.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
                Cow::Borrowed(t)
            } else {
                Cow::Owned(t.to_lowercase())
            }
        })
}

/// The distinct tokens of `text`.
pub fn token_set(text: &str) -> BTreeSet<String> {
    tokenize(text).into_iter().collect()
}

/// A query's normal form: its tokens joined by single spaces. Exact repetition and top
/// queries compare normal forms, so case and punctuation do not matter.
pub fn normalize(text: &str) -> String {
    tokenize(text).join(" ")
}

/// `|a ∩ b| / |a ∪ b|`; two empty sets are identical (1.0).
pub fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// How a query relates to the previous query of its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reformulation {
    /// The same token set.
    Repetition,
    /// A strict superset: terms added, none removed.
    Specialization,
    /// A strict subset: terms removed, none added.
    Generalization,
    /// Mostly new: fewer than 50% of the new query's tokens were in the previous one.
    Exploration,
    /// Anything else: terms both added and removed with at least half of the new query's
    /// tokens kept (a partial rewrite).
    Other,
}

impl Reformulation {
    /// Every class, in report order.
    pub const ALL: [Self; 5] = [
        Self::Repetition,
        Self::Specialization,
        Self::Generalization,
        Self::Exploration,
        Self::Other,
    ];

    /// Classifies `next` against `previous` (token sets). The rules are tried in order, the
    /// first that holds wins:
    /// 1. `next == previous` → repetition;
    /// 2. `next ⊋ previous` → specialization (even when many terms were added);
    /// 3. `next ⊊ previous` → generalization (so an empty `next` generalises);
    /// 4. `|next ∩ previous| < 0.5 · |next|` → exploration;
    /// 5. otherwise → other.
    pub fn classify(previous: &BTreeSet<String>, next: &BTreeSet<String>) -> Self {
        if next == previous {
            Self::Repetition
        } else if next.is_superset(previous) {
            Self::Specialization
        } else if next.is_subset(previous) {
            Self::Generalization
        } else if (next.intersection(previous).count() as f64)
            < EXPLORATION_OVERLAP * next.len() as f64
        {
            Self::Exploration
        } else {
            Self::Other
        }
    }

    /// The class's snake_case name (as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Repetition => "repetition",
            Self::Specialization => "specialization",
            Self::Generalization => "generalization",
            Self::Exploration => "exploration",
            Self::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> BTreeSet<String> {
        token_set(s)
    }

    #[test]
    fn tokens_are_lowercase_alphanumeric_runs() {
        assert_eq!(
            tokenize("Rust's **async**-IO, site:docs.rs \"v2\""),
            ["rust", "s", "async", "io", "site", "docs", "rs", "v2"]
        );
        assert_eq!(normalize("  Tokio   RUNTIME! "), "tokio runtime");
    }

    #[test]
    fn jaccard_and_classes() {
        assert_eq!(jaccard(&set("a b c d e"), &set("a b c d")), 0.8);
        assert_eq!(jaccard(&set(""), &set("")), 1.0);
        use Reformulation::*;
        // (previous query, next query, class of the step between them)
        let cases = [
            ("a b", "b a", Repetition),
            ("a", "a b c d", Specialization),
            ("a b c", "a", Generalization),
            ("a b", "a c d", Exploration),
            // 1 of 2 new tokens kept: exactly 50% is not "fewer than 50%".
            ("a b", "a c", Other),
        ];
        for (previous, next, class) in cases {
            assert_eq!(
                Reformulation::classify(&set(previous), &set(next)),
                class,
                "{previous:?} -> {next:?}"
            );
        }
    }
}
