//! The console's forms, read from a page's query string (already decoded into pairs by the
//! server) and turned back into the `/v1/search` query string that the page runs and shows
//! as a `curl` line. The form never validates values: the API's own decoder does, so the
//! console refuses exactly what the API refuses, with the same message.
use driftless_querylog::parse_time;

/// The search parameters a console form may set, in the order the curl line lists them;
/// `snapshot` is the pin (`?snapshot=<id>`), carried from page to page in a hidden field.
const SEARCH_FIELDS: [&str; 8] = ["q", "k", "mode", "unit", "k1", "b", "fusion_k", "snapshot"];

/// A search configuration as the form holds it: each field as typed, empty when unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchForm {
    /// Field values in [`SEARCH_FIELDS`] order.
    values: [String; 8],
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

impl SearchForm {
    /// The fields named `<prefix><field>` in `pairs` (the last one wins; none is required).
    pub fn from_pairs(pairs: &[(String, String)], prefix: &str) -> Self {
        let mut form = Self::default();
        for (slot, field) in form.values.iter_mut().zip(SEARCH_FIELDS) {
            let name = format!("{prefix}{field}");
            if let Some((_, v)) = pairs.iter().rev().find(|(k, _)| *k == name) {
                v.trim().clone_into(slot);
            }
        }
        form
    }

    /// One field's value as typed (`""` when unset).
    pub fn get(&self, field: &str) -> &str {
        SEARCH_FIELDS
            .iter()
            .position(|f| *f == field)
            .map_or("", |i| self.values[i].as_str())
    }

    /// Sets one field (the compare page shares `q` and `k` between its two sides).
    pub fn set(&mut self, field: &str, value: &str) {
        if let Some(i) = SEARCH_FIELDS.iter().position(|f| *f == field) {
            value.clone_into(&mut self.values[i]);
        }
    }

    /// Whether a query was typed: without one the page shows only the form.
    pub fn has_query(&self) -> bool {
        !self.get("q").is_empty()
    }

    /// The `/v1/search` query string of this form: the fields that are set, then
    /// `highlight=html` (the engine marks terms with `<b>` and escapes the rest, so the page
    /// shows its snippets as they are).
    pub fn api_query(&self) -> String {
        let mut parts: Vec<String> = SEARCH_FIELDS
            .iter()
            .zip(&self.values)
            .filter(|(_, v)| !v.is_empty())
            .map(|(f, v)| format!("{f}={}", encode(v)))
            .collect();
        parts.push("highlight=html".into());
        parts.join("&")
    }
}

/// The compare page's form: one query and k, two configurations `a_*` and `b_*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareForm {
    /// Left configuration (with the shared `q` and `k`).
    pub a: SearchForm,
    /// Right configuration (with the shared `q` and `k`).
    pub b: SearchForm,
}

impl CompareForm {
    /// Reads `q`, `k`, `a_<field>` and `b_<field>`; with nothing set, the two sides default
    /// to the ablation most asked for: `bm25` against `dense`.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut a = SearchForm::from_pairs(pairs, "a_");
        let mut b = SearchForm::from_pairs(pairs, "b_");
        for side in [&mut a, &mut b] {
            for shared in ["q", "k", "snapshot"] {
                side.set(shared, value(pairs, shared).trim());
            }
        }
        if pairs
            .iter()
            .all(|(k, _)| !k.starts_with("a_") && !k.starts_with("b_"))
        {
            a.set("mode", "bm25");
            b.set("mode", "dense");
        }
        Self { a, b }
    }
}

/// The sessions and dashboards pages' selection of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogForm {
    /// `since` as typed (Unix s/ms or RFC 3339).
    pub since: String,
    /// `until` as typed.
    pub until: String,
    /// Only this client (as stored).
    pub client: String,
    /// Only sessions with at least this many steps.
    pub min_steps: String,
    /// Label intents with this model's cached `logs annotate` labels.
    pub model: String,
    /// Only sessions with this intent label.
    pub intent: String,
}

impl LogForm {
    /// Reads the fields from `pairs`.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |name: &str| value(pairs, name).trim().to_string();
        Self {
            since: get("since"),
            until: get("until"),
            client: get("client"),
            min_steps: get("min_steps"),
            model: get("model"),
            intent: get("intent"),
        }
    }

    /// `[since, until)` in Unix ms; `since` defaults to 24 hours before `now_ms`.
    pub fn window(&self, now_ms: i64) -> Result<(i64, Option<i64>), String> {
        let since = if self.since.is_empty() {
            now_ms - 86_400_000
        } else {
            parse_time(&self.since).map_err(|e| format!("since: {e}"))?
        };
        let until = if self.until.is_empty() {
            None
        } else {
            Some(parse_time(&self.until).map_err(|e| format!("until: {e}"))?)
        };
        Ok((since, until))
    }

    /// The minimum session length (1 when unset).
    pub fn min_steps(&self) -> Result<usize, String> {
        if self.min_steps.is_empty() {
            return Ok(1);
        }
        self.min_steps
            .parse()
            .map_err(|_| format!("min_steps: {:?} is not a whole number", self.min_steps))
    }

    /// This selection as a query string (for links that keep it).
    pub fn query(&self) -> String {
        [
            ("since", &self.since),
            ("until", &self.until),
            ("client", &self.client),
            ("min_steps", &self.min_steps),
            ("model", &self.model),
            ("intent", &self.intent),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Percent-encodes a query-string value: everything but RFC 3986's unreserved characters.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn search_form_round_trips_into_the_api_query() {
        let form = SearchForm::from_pairs(
            &pairs(&[
                ("q", " vacuum \"full\" & co "),
                ("mode", "bm25"),
                ("k1", ""),
            ]),
            "",
        );
        assert_eq!(
            form.api_query(),
            "q=vacuum%20%22full%22%20%26%20co&mode=bm25&highlight=html"
        );
    }

    #[test]
    fn compare_defaults_to_bm25_against_dense_and_shares_q_and_k() {
        let form = CompareForm::from_pairs(&pairs(&[("q", "vacuum"), ("k", "5")]));
        assert_eq!(form.a.get("mode"), "bm25");
        assert_eq!(form.b.get("mode"), "dense");
        assert_eq!(form.b.get("k"), "5");
        let form = CompareForm::from_pairs(&pairs(&[("q", "x"), ("b_unit", "passage")]));
        assert_eq!(form.a.get("mode"), "");
        assert_eq!(form.b.api_query(), "q=x&unit=passage&highlight=html");
        let pinned = CompareForm::from_pairs(&pairs(&[("q", "x"), ("snapshot", "abc")]));
        assert_eq!(
            pinned.a.api_query(),
            "q=x&mode=bm25&snapshot=abc&highlight=html"
        );
    }

    #[test]
    fn log_window_defaults_to_a_day_and_reports_bad_times() {
        let form = LogForm::from_pairs(&pairs(&[]));
        assert_eq!(
            form.window(100_000_000),
            Ok((100_000_000 - 86_400_000, None))
        );
        let form = LogForm::from_pairs(&pairs(&[("since", "2026-06-01"), ("until", "yesterday")]));
        assert!(form.window(0).unwrap_err().starts_with("until:"));
        assert!(
            LogForm::from_pairs(&pairs(&[("min_steps", "x")]))
                .min_steps()
                .is_err()
        );
    }
}
