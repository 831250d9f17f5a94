//! `driftless embed`: a built snapshot's passages → `.npy` + ids, for `build --vectors`.
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use driftless_index::Snapshot;
use driftless_ingest::{DenseOptions, EmbedRun, Progress, embed_snapshot};

use crate::build_cmd::ProviderArg;

/// Arguments of `driftless embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// A built snapshot (BM25-only is enough): its passages, in passage order, are embedded.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// The `.npy` to write (float32, (passages, dim)); ids go to `<out>.ids.txt`.
    #[arg(long)]
    pub out: PathBuf,
    /// Model directory (model.onnx, tokenizer.json, model.json).
    #[arg(long, env = "DRIFTLESS_MODEL_DIR")]
    pub model: Option<PathBuf>,
    /// `cpu`, or `cuda` for an NVIDIA GPU (needs a GPU build of libonnxruntime passed with
    /// --ort-library).
    #[arg(long, value_enum, default_value = "cpu")]
    pub ort_provider: ProviderArg,
    /// CUDA device ordinal for --ort-provider cuda.
    #[arg(long, default_value_t = 0)]
    pub cuda_device: i32,
    /// Embedding workers, one session each (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Continue an interrupted run into the same --out (same snapshot, model and provider):
    /// the passages it embedded are kept and only the rest are embedded. The vectors are
    /// the same bytes as an uninterrupted run's.
    #[arg(long)]
    pub resume: bool,
    /// Progress output: a bar on a terminal, plain lines otherwise.
    #[arg(long, default_value = "auto", value_parser = ["auto", "lines", "none"])]
    pub progress: String,
}

/// Embeds and prints the summary as JSON on stdout (a line on stderr).
pub fn run(args: &EmbedArgs) -> Result<()> {
    let snapshot = Snapshot::open(&args.snapshot)
        .with_context(|| format!("opening snapshot {}", args.snapshot.display()))?;
    let mut options = DenseOptions::default();
    if let Some(model) = &args.model {
        options.set_model_dir(model);
    }
    if let Some(workers) = args.workers {
        options.workers = workers;
    }
    options.provider = args.ort_provider.provider(args.cuda_device);
    let progress = match args.progress.as_str() {
        "lines" => Progress::Lines,
        "none" => Progress::Hidden,
        _ => Progress::Auto,
    };
    let run = EmbedRun {
        progress,
        resume: args.resume,
        ..EmbedRun::default()
    };
    let summary = embed_snapshot(&snapshot, &args.out, &options, &run)?;
    eprintln!(
        "embedded {} passages ({} kept from an interrupted run) of snapshot {} in {:.1} s ({:.1} passages/s, {} truncated) into {} and {}; build with: driftless build --corpus <the same corpus> --vectors {}",
        summary.passages,
        summary.resumed,
        snapshot.id(),
        summary.seconds,
        summary.passages_per_second,
        summary.truncated,
        summary.npy.display(),
        summary.ids.display(),
        summary.npy.display()
    );
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}
