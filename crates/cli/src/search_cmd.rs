//! `driftless search`: one search against a snapshot, no server.
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use driftless_api::{Highlight, Mode, SearchRequest, Unit};
use driftless_index::Snapshot;

/// Arguments of `driftless search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Snapshot directory.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// The query.
    pub query: String,
    /// Number of results.
    #[arg(short, long, default_value_t = 10)]
    pub k: u32,
    /// Results to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
    /// bm25 | dense | dense_exact | hybrid (default: the snapshot's).
    #[arg(long)]
    pub mode: Option<String>,
    /// doc | passage.
    #[arg(long, default_value = "doc")]
    pub unit: String,
    /// BM25 k1 override.
    #[arg(long)]
    pub k1: Option<f32>,
    /// BM25 b override.
    #[arg(long)]
    pub b: Option<f32>,
    /// RRF k override for mode=hybrid.
    #[arg(long)]
    pub fusion_k: Option<u32>,
}

/// Runs one search in-process and prints the body the server would send.
pub fn search(args: &SearchArgs) -> Result<()> {
    let snapshot = Snapshot::open(&args.snapshot)?;
    let request = SearchRequest {
        q: args.query.clone(),
        k: args.k,
        offset: args.offset,
        mode: args
            .mode
            .as_deref()
            .map(str::parse::<Mode>)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        unit: args.unit.parse::<Unit>().map_err(anyhow::Error::msg)?,
        k1: args.k1,
        b: args.b,
        fusion_k: args.fusion_k,
        highlight: Highlight::Markdown,
        explain: false,
    };
    let response = snapshot.search(&request)?;
    println!("{}", serde_json::to_string_pretty(&response)?);
    Ok(())
}
