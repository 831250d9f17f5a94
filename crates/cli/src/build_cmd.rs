//! `driftless build`.
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use driftless_corpus::Format;
use driftless_ingest::{BuildOptions, BuildSummary, DenseOptions, Progress, build};

/// Arguments of `driftless build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Corpus: a directory of HTML pages or a JSONL file.
    #[arg(long)]
    pub corpus: PathBuf,
    /// Corpus format.
    #[arg(long, default_value = "auto", value_parser = ["auto", "html", "jsonl"])]
    pub format: String,
    /// Snapshot directory to create.
    #[arg(long)]
    pub out: PathBuf,
    /// Build the dense index too: embed every passage (all-MiniLM-L6-v2) and an HNSW graph.
    #[arg(long, conflicts_with = "no_dense")]
    pub dense: bool,
    /// Build BM25 only (the default).
    #[arg(long)]
    pub no_dense: bool,
    /// Model directory for --dense (default: ~/.cache/driftless/models/all-MiniLM-L6-v2-int8,
    /// where quickstart and corpus-tools/fetch-model.sh put it). Implies --dense. The ONNX
    /// Runtime library is the global --ort-library.
    #[arg(long, env = "DRIFTLESS_MODEL_DIR")]
    pub model: Option<PathBuf>,
    /// Embedding workers (default: one per core).
    #[arg(long)]
    pub embed_workers: Option<usize>,
    /// HNSW neighbours per node.
    #[arg(long, default_value_t = 16)]
    pub hnsw_m: usize,
    /// HNSW construction beam.
    #[arg(long, default_value_t = 100)]
    pub ef_construction: usize,
    /// HNSW search beam of `mode=dense` (fixed per snapshot).
    #[arg(long, default_value_t = 128)]
    pub ef_search: usize,
    /// Default BM25 k1 of the snapshot (requests may override it).
    #[arg(long, default_value_t = 0.9)]
    pub k1: f32,
    /// Default BM25 b of the snapshot (requests may override it).
    #[arg(long, default_value_t = 0.4)]
    pub b: f32,
    /// Passage budget in estimated model tokens.
    #[arg(long, default_value_t = 200)]
    pub passage_tokens: u32,
    /// Pages larger than this many bytes are skipped.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_page_bytes: u64,
    /// Index redirect stubs and index/search pages too (skipped by default).
    #[arg(long)]
    pub keep_flagged: bool,
    /// HTML corpora: only pages whose path under the corpus root starts with this prefix
    /// (repeatable, e.g. `--include postgresql-15/ --include python-3.11/`).
    #[arg(long = "include", value_name = "PREFIX")]
    pub include: Vec<String>,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
    /// Progress output: a bar on a terminal, plain lines otherwise.
    #[arg(long, default_value = "auto", value_parser = ["auto", "lines", "none"])]
    pub progress: String,
}

impl BuildArgs {
    /// The ingest options these arguments ask for.
    pub fn options(&self) -> Result<BuildOptions> {
        let mut options = BuildOptions::new(&self.corpus, &self.out);
        options.format = self.format.parse::<Format>().map_err(anyhow::Error::msg)?;
        options.bm25_k1 = self.k1;
        options.bm25_b = self.b;
        options.passage_max_tokens = self.passage_tokens;
        options.reader.max_page_bytes = self.max_page_bytes;
        options.reader.keep_flagged = self.keep_flagged;
        options.reader.include.clone_from(&self.include);
        options.overwrite = self.force;
        options.progress = match self.progress.as_str() {
            "lines" => Progress::Lines,
            "none" => Progress::Hidden,
            _ => Progress::Auto,
        };
        if (self.dense || self.model.is_some()) && !self.no_dense {
            let mut dense = DenseOptions::default();
            if let Some(model) = &self.model {
                dense.model_dir.clone_from(model);
            }
            if let Some(workers) = self.embed_workers {
                dense.workers = workers;
            }
            dense.m = self.hnsw_m;
            dense.ef_construction = self.ef_construction;
            dense.ef_search = self.ef_search;
            options.dense = Some(dense);
        }
        Ok(options)
    }
}

/// Runs the build and prints its summary.
pub fn run(args: &BuildArgs) -> Result<BuildSummary> {
    let options = args.options()?;
    let summary = build(&options).with_context(|| format!("building {}", options.out.display()))?;
    print_summary(&summary);
    Ok(summary)
}

/// The build summary on stderr, the machine-readable JSON on stdout.
pub fn print_summary(summary: &BuildSummary) {
    let minutes = (summary.seconds / 60.0).max(1e-9);
    eprintln!(
        "built snapshot {}: {} documents, {} passages from {} records in {:.1}s ({:.0} pages/min), {:.1} MB text, {:.1} MB on disk",
        summary.snapshot_id,
        summary.documents,
        summary.passages,
        summary.read,
        summary.seconds,
        summary.read as f64 / minutes,
        summary.text_bytes as f64 / 1e6,
        summary.snapshot_bytes as f64 / 1e6,
    );
    for (reason, count) in &summary.skipped {
        let examples = summary
            .skipped_examples
            .get(reason)
            .map(|e| e.join("; "))
            .unwrap_or_default();
        eprintln!("  skipped {count} ({reason}), e.g. {examples}");
    }
    if let Ok(json) = serde_json::to_string(summary) {
        println!("{json}");
    }
}
