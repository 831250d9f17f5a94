//! The collections' own query and judgement files, told apart by their content:
//!
//! | collection | queries | judgements |
//! | --- | --- | --- |
//! | BEIR | `queries.jsonl`: `{"_id", "text", "metadata"}` a line | `qrels/test.tsv`: header `query-id corpus-id score`, then tab-separated rows |
//! | MS MARCO | `queries.dev.tsv`: `qid<TAB>text` | `qrels.dev.tsv`: `qid 0 pid rel` (tabs) |
//! | TREC | `topics.301-350`: `<top> <num> Number: 301 <title> …` SGML, or the tsv | `qrels.*`: `qid 0 docid rel` |
//!
//! Every reader keeps the strictness of `trec.rs`: a bad line names the file and the line.
use std::path::Path;

use crate::error::EvalError;
use crate::trec::{Qrels, Topic, parse_qrels, parse_topics};

fn read(path: &Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(|e| EvalError::io(path, e))
}

/// Reads queries in any of the three formats (JSONL when the first non-blank character is
/// `{`, TREC SGML when the file holds `<top>`, else the `qid<TAB>query` tsv).
pub fn read_queries(path: &Path) -> Result<Vec<Topic>, EvalError> {
    let text = read(path)?;
    let start = text.trim_start();
    if start.starts_with('{') {
        parse_beir_queries(&text, path)
    } else if text.contains("<top>") {
        parse_trec_sgml_topics(&text, path)
    } else {
        parse_topics(&text, path)
    }
}

/// Reads judgements: BEIR's tsv (a `query-id` header, three columns) or TREC qrels.
pub fn read_judgements(path: &Path) -> Result<Qrels, EvalError> {
    let text = read(path)?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.to_ascii_lowercase().starts_with("query-id") || first.split('\t').count() == 3 {
        parse_beir_qrels(&text, path)
    } else {
        parse_qrels(&text, path)
    }
}

/// BEIR `queries.jsonl`: `_id` (string or number) and `text`; other keys are ignored.
pub fn parse_beir_queries(text: &str, path: &Path) -> Result<Vec<Topic>, EvalError> {
    let mut topics = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |m: String| EvalError::malformed(path, i + 1, m);
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(format!("not JSON: {e}")))?;
        let qid = match &value["_id"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(bad("expected an `_id` (string or number)".into())),
        };
        let query = value["text"]
            .as_str()
            .ok_or_else(|| bad("expected a `text` string".into()))?;
        let query = query.split_whitespace().collect::<Vec<_>>().join(" ");
        if qid.is_empty() || qid.chars().any(char::is_whitespace) || query.is_empty() {
            return Err(bad(format!(
                "query {qid:?} has an empty or spaced id, or no text"
            )));
        }
        if !seen.insert(qid.clone()) {
            return Err(bad(format!("query id {qid:?} appears twice")));
        }
        topics.push(Topic { qid, query });
    }
    if topics.is_empty() {
        return Err(EvalError::Invalid {
            path: path.into(),
            message: "no queries: expected lines of {\"_id\": …, \"text\": …}".into(),
        });
    }
    Ok(topics)
}

/// BEIR qrels tsv: an optional `query-id corpus-id score` header, then `qid<TAB>docid<TAB>rel`.
pub fn parse_beir_qrels(text: &str, path: &Path) -> Result<Qrels, EvalError> {
    // Rewritten as TREC qrels one line for one line (header and blanks as blank lines), so
    // the TREC parser's errors name this file's line numbers.
    let mut trec = String::with_capacity(text.len() + text.len() / 8);
    let mut first = true;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let header = first && line.to_ascii_lowercase().starts_with("query-id");
        first &= line.trim().is_empty();
        if header || line.trim().is_empty() {
            trec.push('\n');
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        let [qid, docid, rel] = fields[..] else {
            return Err(EvalError::malformed(
                path,
                i + 1,
                format!(
                    "expected 3 tab-separated fields `query-id corpus-id score`, found {}",
                    fields.len()
                ),
            ));
        };
        trec.push_str(&format!("{qid} 0 {docid} {rel}\n"));
    }
    parse_qrels(&trec, path)
}

/// TREC's SGML topics: `<num> Number: 301` and the `<title>` (the short query TREC runs
/// use); `<desc>` and `<narr>` are left out.
pub fn parse_trec_sgml_topics(text: &str, path: &Path) -> Result<Vec<Topic>, EvalError> {
    let mut topics = Vec::new();
    for (index, block) in text.split("<top>").skip(1).enumerate() {
        let line = text[..text.find(block).unwrap_or(0)].lines().count().max(1);
        let field = |tag: &str| -> Option<String> {
            let start = block.find(tag)? + tag.len();
            let rest = &block[start..];
            let end = rest.find('<').unwrap_or(rest.len());
            Some(rest[..end].split_whitespace().collect::<Vec<_>>().join(" "))
        };
        let num = field("<num>").unwrap_or_default();
        let qid = num.trim_start_matches("Number:").trim().to_string();
        let title = field("<title>")
            .map(|t| t.trim_start_matches("Topic:").trim().to_string())
            .unwrap_or_default();
        if qid.is_empty() || qid.contains(' ') || title.is_empty() {
            return Err(EvalError::malformed(
                path,
                line,
                format!(
                    "topic {} needs `<num> Number: N` and a `<title>`",
                    index + 1
                ),
            ));
        }
        topics.push(Topic { qid, query: title });
    }
    Ok(topics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("t")
    }

    #[test]
    fn beir_files() {
        let q = parse_beir_queries(
            "{\"_id\": \"1\", \"text\": \"0-dimensional  biomaterials\", \"metadata\": {}}\n{\"_id\": 3, \"text\": \"x\"}\n",
            p(),
        )
        .expect("queries");
        assert_eq!(
            (q[0].qid.as_str(), q[0].query.as_str()),
            ("1", "0-dimensional biomaterials")
        );
        assert_eq!(q[1].qid, "3");
        let qrels = parse_beir_qrels(
            "query-id\tcorpus-id\tscore\n1\t31715818\t1\n3\t14717500\t1\n",
            p(),
        )
        .expect("qrels");
        assert_eq!(qrels["1"]["31715818"], 1);
        let bad = parse_beir_qrels("query-id\tcorpus-id\tscore\n1\t2\n", p()).unwrap_err();
        assert!(bad.to_string().starts_with("t:2:"), "{bad}");
        assert!(parse_beir_queries("{\"text\": \"no id\"}", p()).is_err());
    }

    #[test]
    fn trec_sgml_topics() {
        let text = "<top>\n<num> Number: 301\n<title> International Organized Crime\n\n<desc> Description:\nIdentify …\n</top>\n\n<top>\n<num> Number: 302 \n<title> Topic: Poliomyelitis and Post-Polio\n<desc> …\n</top>\n";
        let t = parse_trec_sgml_topics(text, p()).expect("topics");
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].qid.as_str(), t[0].query.as_str()),
            ("301", "International Organized Crime")
        );
        assert_eq!(t[1].query, "Poliomyelitis and Post-Polio");
    }
}
