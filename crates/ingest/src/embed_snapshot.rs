//! `driftless embed`: embed the passages of a built snapshot into an `.npy` (+ ids) for
//! `driftless build --vectors`. The embedding can then run where the hardware is (a GPU
//! machine with `--ort-provider cuda`, or many CPU machines) while the build stays here.
//!
//! The texts and their order are the dense build's own (title, newline, passage; passage
//! order), and each text is embedded alone by the same pool, so on the same CPU kind the
//! vectors are bit-identical to an in-process `build --dense` and so is the snapshot id.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use driftless_embed::{EmbedPool, ModelFiles};
use driftless_index::Snapshot;

use crate::dense::{DenseOptions, dense_error};
use crate::progress::{Phase, Progress};
use crate::{IngestError, io_error, vectors};

/// Passages read and embedded per batch.
const BATCH: u32 = 2048;

/// What `embed_snapshot` wrote.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EmbedSummary {
    /// The `.npy` file.
    pub npy: PathBuf,
    /// Its ids file (`<npy>.ids.txt`).
    pub ids: PathBuf,
    /// Vectors written.
    pub passages: u64,
    /// Vector dimension.
    pub dim: usize,
    /// Passages longer than the model window (their tail was not embedded).
    pub truncated: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Passages embedded per second.
    pub passages_per_second: f64,
}

/// Embeds every passage of `snapshot` with `options`' model, provider and workers.
pub fn embed_snapshot(
    snapshot: &Snapshot,
    out: &Path,
    options: &DenseOptions,
    progress: Progress,
) -> Result<EmbedSummary, IngestError> {
    options.validate()?;
    let started = std::time::Instant::now();
    let model = ModelFiles::load(&options.model_dir).map_err(dense_error)?;
    let pool = EmbedPool::with_provider(
        &model,
        &options.ort_library,
        options.workers,
        options.provider,
    )
    .map_err(dense_error)?;
    let dim = model.dim;
    let n = u32::try_from(snapshot.passage_count())
        .map_err(|_| dense_error("more than 2^32 passages"))?;
    // Raw f32 rows first, then the .npy around them: the header needs the row count, and a
    // cut run must not leave a valid-looking .npy behind.
    let raw = out.with_extension("f32.partial");
    let ids_path = vectors::ids_path(out);
    let file = std::fs::File::create(&raw).map_err(io_error(&raw))?;
    let mut rows = std::io::BufWriter::with_capacity(1 << 20, file);
    let ids_file = std::fs::File::create(&ids_path).map_err(io_error(&ids_path))?;
    let mut ids = std::io::BufWriter::new(ids_file);
    let phase = Mutex::new(Phase::start(progress, "embedding", Some(u64::from(n))));
    let mut truncated = 0u64;
    let mut start = 0u32;
    while start < n {
        let end = start.saturating_add(BATCH).min(n);
        let passages = snapshot
            .passages_for_embedding(start..end)
            .map_err(|e| dense_error(format!("reading passages {start}..{end}: {e}")))?;
        let texts: Vec<&str> = passages.iter().map(|p| p.text.as_str()).collect();
        let embeddings = pool
            .embed_all(&texts, &|_| {
                if let Ok(mut phase) = phase.lock() {
                    phase.inc(1);
                }
            })
            .map_err(dense_error)?;
        for (passage, embedding) in passages.iter().zip(&embeddings) {
            truncated += u64::from(embedding.truncated);
            for v in &embedding.vector {
                rows.write_all(&v.to_le_bytes()).map_err(io_error(&raw))?;
            }
            writeln!(ids, "{}", crate::spool::escape_id(&passage.id))
                .map_err(io_error(&ids_path))?;
        }
        start = end;
    }
    if let Ok(phase) = phase.into_inner() {
        phase.finish();
    }
    rows.flush().map_err(io_error(&raw))?;
    ids.flush().map_err(io_error(&ids_path))?;
    drop(rows);
    let written = vectors::write_npy(out, &raw, dim)?;
    std::fs::remove_file(&raw).map_err(io_error(&raw))?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(EmbedSummary {
        npy: out.to_path_buf(),
        ids: ids_path,
        passages: written,
        dim,
        truncated,
        seconds,
        passages_per_second: written as f64 / seconds.max(1e-9),
    })
}
