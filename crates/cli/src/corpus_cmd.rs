//! `driftless corpus describe`, `judged-sets` and `export-jsonl`: the corpus description,
//! the inputs of
//! evaluations and of side-by-side runs against other engines. `export-jsonl --passages`
//! writes the passages a build serves, as `/retrieve` returns them, so a peer engine can
//! index exactly what we answer with (benches/peer).
use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use driftless_corpus::{DESCRIPTION_FILE, describe as describe_pages, write_description};
use driftless_corpus::{
    Format, HeuristicTokenCounter, ReadItem, ReaderOptions, SplitterConfig, open_corpus,
    split_passages,
};
use driftless_eval::judged_sets::{DEFAULT_SITES, derive};
use driftless_eval::trec::{format_qrels, format_topics};

/// Writes the corpus description of `dir`.
pub fn describe(dir: &Path) -> Result<()> {
    let pages = describe_pages(dir)?;
    write_description(dir, &pages)?;
    let flagged = pages.iter().filter(|p| !p.flags.is_empty()).count();
    eprintln!(
        "described {} pages ({flagged} flagged) in {}",
        pages.len(),
        dir.join(DESCRIPTION_FILE).display()
    );
    Ok(())
}

/// Arguments of `driftless corpus judged-sets`.
#[derive(Debug, Args)]
pub struct JudgedSetsArgs {
    /// Corpus root (the directory `driftless build --corpus` reads).
    #[arg(long)]
    pub corpus: PathBuf,
    /// Output directory: `<site>.topics.tsv`, `<site>.qrels`, `judged-sets.json`.
    #[arg(long)]
    pub out: PathBuf,
    /// Sites whose genindex pages to read (repeatable); default python-3.11 and django-3.2.
    #[arg(long)]
    pub site: Vec<String>,
}

/// Derives the judged sets and writes them.
pub fn judged_sets(args: &JudgedSetsArgs) -> Result<()> {
    let sites: Vec<String> = if args.site.is_empty() {
        DEFAULT_SITES.iter().map(|s| (*s).to_string()).collect()
    } else {
        args.site.clone()
    };
    let sets = derive(&args.corpus, &sites)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut summary = serde_json::Map::new();
    for set in &sets {
        let topics = args.out.join(format!("{}.topics.tsv", set.site));
        let qrels = args.out.join(format!("{}.qrels", set.site));
        std::fs::write(&topics, format_topics(&set.topics))
            .with_context(|| format!("cannot write {}", topics.display()))?;
        std::fs::write(&qrels, format_qrels(&set.qrels))
            .with_context(|| format!("cannot write {}", qrels.display()))?;
        let s = &set.stats;
        eprintln!(
            "{}: {} topics, {} judgements over {} documents -> {} + {} ({} entries read, {} without words, {} merged, {} without an indexed target)",
            set.site,
            s.topics,
            s.qrels,
            s.relevant_docs,
            topics.display(),
            qrels.display(),
            s.entries,
            s.no_words,
            s.entries - s.no_words - s.distinct,
            s.no_indexed_target
        );
        summary.insert(set.site.clone(), serde_json::to_value(s)?);
    }
    let path = args.out.join("judged-sets.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Arguments of `driftless corpus export-jsonl`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Corpus root or JSONL file.
    #[arg(long)]
    pub corpus: PathBuf,
    /// Output JSONL: `{"id","contents","title","url"}` per document (Pyserini's
    /// JsonCollection shape; `contents` is the text driftless scores: title, blank line, text).
    #[arg(long)]
    pub out: PathBuf,
    /// One line per passage instead: `{"id": "<doc_id>#<ordinal>", "contents":
    /// "\"<title>\"\n<passage text>"}`, the id and `contents` `POST /retrieve` answers with
    /// (split by the builder's splitter, Search-R1's wiki-18 record form).
    #[arg(long)]
    pub passages: bool,
    /// Passage budget in estimated model tokens: the `--passage-tokens` of the build.
    #[arg(long, default_value_t = 200)]
    pub passage_tokens: u32,
}

/// Writes the documents a default build indexes (same reader, same skips, same de-duplication:
/// doc_id order, first id and first URL win) as JSONL.
pub fn export_jsonl(args: &ExportArgs) -> Result<()> {
    let corpus = open_corpus(&args.corpus, Format::Auto, &ReaderOptions::default())?;
    let mut docs: Vec<_> = corpus
        .filter_map(|item| match item {
            ReadItem::Document(doc) => Some(doc),
            ReadItem::Skipped(_) => None,
        })
        .collect();
    docs.sort_by(|a, b| a.doc_id.cmp(&b.doc_id));
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut out = BufWriter::new(file);
    let config = SplitterConfig {
        max_tokens: args.passage_tokens as usize,
    };
    let (mut ids, mut urls, mut written, mut passages) =
        (HashSet::new(), HashSet::new(), 0usize, 0usize);
    for doc in &docs {
        if !ids.insert(doc.doc_id.as_str()) || !urls.insert(doc.url.as_str()) {
            continue;
        }
        written += 1;
        if args.passages {
            for span in split_passages(&doc.text, &config, &HeuristicTokenCounter) {
                let text = doc
                    .text
                    .get(span.byte_start..span.byte_end)
                    .unwrap_or_default();
                let line = Passage {
                    id: format!("{}#{}", doc.doc_id, span.ordinal),
                    contents: contents(&doc.title, text),
                };
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")?;
                passages += 1;
            }
            continue;
        }
        let line = serde_json::json!({
            "id": doc.doc_id,
            "contents": format!("{}\n\n{}", doc.title, doc.text),
            "title": doc.title,
            "url": doc.url,
        });
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    if args.passages {
        eprintln!(
            "exported {passages} passages of {written} documents to {}",
            args.out.display()
        );
    } else {
        eprintln!("exported {written} documents to {}", args.out.display());
    }
    Ok(())
}

/// One line of `--passages`, fields in `/retrieve`'s order.
#[derive(serde::Serialize)]
struct Passage {
    id: String,
    contents: String,
}

/// A wiki-18 record, as `/retrieve` builds it (server `compat::search_r1::contents`): the
/// title, whitespace collapsed, in double quotes on the first line, then the trimmed text.
fn contents(title: &str, text: &str) -> String {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("\"{title}\"\n{}", text.trim())
}
