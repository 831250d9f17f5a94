//! `driftless build`.
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use driftless_corpus::{FieldMap, Format};
use driftless_ingest::{
    AnnChoice, BuildOptions, BuildSummary, DenseOptions, EmbedProvider, IvfCodes, PassageIndex,
    Progress, build,
};

/// Arguments of `driftless build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Corpus: a directory of HTML pages, or a JSONL (.gz/.zst), Parquet, WARC(.gz) or TSV
    /// file, a directory of such shards, or a quoted glob of them (`'shards/*.jsonl.gz'`).
    #[arg(long)]
    pub corpus: PathBuf,
    /// Corpus format (auto: from the extension, or the shards a directory holds).
    #[arg(long, default_value = "auto", value_parser = ["auto", "html", "jsonl", "parquet", "warc", "tsv"])]
    pub format: String,
    /// Map a document field to the corpus' own column (JSONL, Parquet, TSV with a header),
    /// repeatable: `--field id=docid --field text=body --field title=headline --field url=link`.
    /// The mapping is recorded in the manifest.
    #[arg(long = "field", value_name = "FIELD=COLUMN")]
    pub fields: Vec<String>,
    /// Snapshot directory to create.
    #[arg(long)]
    pub out: PathBuf,
    /// Build the dense index too: embed every passage (all-MiniLM-L6-v2) and an HNSW graph.
    #[arg(long, conflicts_with = "no_dense")]
    pub dense: bool,
    /// Build BM25 only (the default).
    #[arg(long)]
    pub no_dense: bool,
    /// Model for --dense: a directory, or the name of a model corpus-tools/fetch-model.sh
    /// fetched (all-MiniLM-L6-v2-int8, the default; paraphrase-MiniLM-L3-v2), looked up in
    /// ~/.cache/driftless/models. Implies --dense. The ONNX Runtime library is the global
    /// --ort-library.
    #[arg(long, env = "DRIFTLESS_MODEL_DIR")]
    pub model: Option<PathBuf>,
    /// Import L2-normalised passage vectors instead of embedding: a `.npy` (float32, C
    /// order, shape (passages, dim)), a FAISS flat index (IndexFlatIP/L2, e.g. Search-R1's
    /// e5_Flat.index) or a Parquet file with an id column and a list-of-float column.
    /// --model is the query encoder they were made with. Rows of .npy/FAISS are matched by
    /// `<file>.ids.txt` when it exists (or --vector-ids), else they must be in the build's
    /// passage order. Implies --dense.
    #[arg(long, value_name = "FILE")]
    pub vectors: Option<PathBuf>,
    /// Passage ids of the --vectors rows, one per line: `doc_id#ordinal`, or a bare
    /// `doc_id` for the document's first passage.
    #[arg(long, value_name = "TXT", requires = "vectors")]
    pub vector_ids: Option<PathBuf>,
    /// Id column of a Parquet --vectors file (default: id, passage_id, docid, doc_id, _id).
    #[arg(long, value_name = "NAME", requires = "vectors")]
    pub vector_id_column: Option<String>,
    /// List-of-float column of a Parquet --vectors file (default: the only one, else
    /// embedding, embeddings, vector or emb).
    #[arg(long, value_name = "NAME", requires = "vectors")]
    pub vector_column: Option<String>,
    /// Also write the snapshot's passage vectors as `.npy` here (ids in `<file>.ids.txt`),
    /// e.g. to build the same corpus elsewhere with --vectors. Needs --dense.
    #[arg(long, value_name = "NPY")]
    pub export_vectors: Option<PathBuf>,
    /// Where passages are embedded: `cpu`, or `cuda` (an NVIDIA GPU through ONNX Runtime's
    /// CUDA execution provider; needs a GPU build of libonnxruntime via --ort-library or
    /// DRIFTLESS_ORT_LIB). Queries are always embedded on the CPU.
    #[arg(long, value_enum, default_value = "cpu")]
    pub ort_provider: ProviderArg,
    /// CUDA device ordinal for --ort-provider cuda.
    #[arg(long, default_value_t = 0)]
    pub cuda_device: i32,
    /// Embedding workers (default: one per core).
    #[arg(long)]
    pub embed_workers: Option<usize>,
    /// Approximate index of `mode=dense`: `hnsw` (best recall, serial build, on the heap),
    /// `ivf` (k-means lists: parallel reproducible build, memory-mapped; for millions of
    /// passages), or `auto` (IVF from 500,000 passages).
    #[arg(long, value_enum, default_value = "auto")]
    pub ann: AnnArg,
    /// IVF lists (default 4·√passages).
    #[arg(long, value_name = "N")]
    pub ivf_lists: Option<usize>,
    /// IVF lists scanned per query by `mode=dense` (default lists/8, at least 8).
    #[arg(long, value_name = "N")]
    pub ivf_probe: Option<usize>,
    /// How IVF scans its lists: `sq8` (8-bit codes in list order, the best candidates
    /// re-scored from the f32 vectors: ~4x less memory traffic) or `f32` (every vector).
    #[arg(long, value_enum, default_value = "sq8")]
    pub ivf_codes: IvfCodesArg,
    /// Candidates per hit an SQ8 scan re-scores from the f32 vectors (at least 64 in all).
    #[arg(long, value_name = "N", default_value_t = driftless_ingest::DEFAULT_RESCORE)]
    pub ivf_rescore: usize,
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
    /// Build threads: 1 writes the document index, then the passage index; 2 or more read
    /// the corpus on a thread of their own and write both at once (default: one per core);
    /// a passage corpus's one index (--passage-index) is written by all of them. The
    /// snapshot is the same for any value.
    #[arg(long)]
    pub threads: Option<usize>,
    /// MB of documents held in memory before they are sorted and spilled to a run on disk
    /// (the build's memory does not grow with the corpus).
    #[arg(long, default_value_t = 128)]
    pub run_mb: usize,
    /// tantivy indexing memory per index, in MB.
    #[arg(long, default_value_t = 256)]
    pub index_memory_mb: usize,
    /// `auto`: when every document is one passage covering its whole text (passage corpora
    /// such as wiki-18 or MS MARCO passage), passages are searched in the document index and
    /// each text is indexed once; `separate`: always write a passage index of its own.
    /// Answers are the same either way.
    #[arg(long, default_value = "auto", value_parser = ["auto", "separate"])]
    pub passage_index: String,
    /// Segments of a passage corpus's one index (--passage-index auto), each a run of
    /// consecutive documents merged on a core of its own: more build faster on more cores,
    /// fewer answer a little faster. Answers are the same for any value (1 to 64).
    #[arg(long, default_value_t = driftless_ingest::DEFAULT_SEGMENTS)]
    pub segments: usize,
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
        options.reader.fields = FieldMap::parse(&self.fields).map_err(anyhow::Error::msg)?;
        options.overwrite = self.force;
        if let Some(threads) = self.threads {
            options.threads = threads;
        }
        options.run_bytes = self.run_mb.max(1) << 20;
        options.index_memory = self.index_memory_mb.max(16) << 20;
        options.segments = self.segments;
        options.passage_index = match self.passage_index.as_str() {
            "separate" => PassageIndex::Separate,
            _ => PassageIndex::Auto,
        };
        options.progress = match self.progress.as_str() {
            "lines" => Progress::Lines,
            "none" => Progress::Hidden,
            _ => Progress::Auto,
        };
        let wants_dense = self.dense || self.model.is_some() || self.vectors.is_some();
        if self.no_dense && (self.vectors.is_some() || self.export_vectors.is_some()) {
            anyhow::bail!("--vectors and --export-vectors need the dense index; drop --no-dense");
        }
        if self.export_vectors.is_some() && !wants_dense {
            anyhow::bail!("--export-vectors writes the dense index's vectors: add --dense");
        }
        if wants_dense && !self.no_dense {
            let mut dense = DenseOptions::default();
            if let Some(model) = &self.model {
                dense.set_model_dir(model);
            }
            if let Some(workers) = self.embed_workers {
                dense.workers = workers;
            }
            dense.ann = match self.ann {
                AnnArg::Auto => AnnChoice::Auto,
                AnnArg::Hnsw => AnnChoice::Hnsw,
                AnnArg::Ivf => AnnChoice::Ivf,
            };
            dense.provider = self.ort_provider.provider(self.cuda_device);
            dense.ivf_lists = self.ivf_lists;
            dense.ivf_probe = self.ivf_probe;
            dense.ivf_codes = match self.ivf_codes {
                IvfCodesArg::Sq8 => IvfCodes::Sq8 {
                    rescore: self.ivf_rescore,
                },
                IvfCodesArg::F32 => IvfCodes::F32,
            };
            dense.m = self.hnsw_m;
            dense.ef_construction = self.ef_construction;
            dense.ef_search = self.ef_search;
            dense.vectors.clone_from(&self.vectors);
            dense.vector_ids = match (&self.vector_ids, &self.vectors) {
                (Some(ids), _) => Some(ids.clone()),
                (None, Some(npy)) => {
                    Some(driftless_ingest::vector_ids_path(npy)).filter(|p| p.exists())
                }
                (None, None) => None,
            };
            dense.vector_id_column.clone_from(&self.vector_id_column);
            dense.vector_column.clone_from(&self.vector_column);
            dense.export.clone_from(&self.export_vectors);
            options.dense = Some(dense);
        }
        Ok(options)
    }
}

/// `--ort-provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderArg {
    /// ONNX Runtime's CPU kernels.
    Cpu,
    /// ONNX Runtime's CUDA execution provider.
    Cuda,
}

impl ProviderArg {
    /// The embedder's provider, on CUDA device `device` for `cuda`.
    pub fn provider(self, device: i32) -> EmbedProvider {
        match self {
            Self::Cpu => EmbedProvider::Cpu,
            Self::Cuda => EmbedProvider::Cuda { device },
        }
    }
}

/// `--ann`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnnArg {
    /// IVF from 500,000 passages, HNSW below.
    Auto,
    /// hnsw_rs graph.
    Hnsw,
    /// Inverted lists over fixed-seed k-means.
    Ivf,
}

/// `--ivf-codes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IvfCodesArg {
    /// 8-bit scalar-quantised codes, candidates re-scored from f32.
    Sq8,
    /// The f32 vectors only.
    F32,
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
    if let Some(peak) = summary.peak_rss_bytes {
        let anon = summary
            .peak_anon_bytes
            .map(|b| format!(", {:.0} MB of it anonymous (heap)", b as f64 / 1e6))
            .unwrap_or_default();
        // The ratio to the text says something only once the text outweighs the binary's
        // own ~60 MB; below 100 MB of text it would read "1,000,000x".
        let ratio = if summary.text_bytes >= 100_000_000 {
            format!(
                " ({:.2}× the text)",
                peak as f64 / summary.text_bytes as f64
            )
        } else {
            String::new()
        };
        eprintln!(
            "  peak RSS {:.0} MB{ratio}{anon}, {} sorted run(s)",
            peak as f64 / 1e6,
            summary.runs
        );
    }
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
