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
use crate::embed_resume::{Partial, Stamp};
use crate::progress::{Phase, Progress};
use crate::{IngestError, io_error};

/// Passages read and embedded per batch by default: the unit a cut run resumes from.
pub const DEFAULT_EMBED_BATCH: u32 = 2048;

/// Told `(done, total)` passages after every batch; answering `false` stops the run there
/// (its rows stay on disk for a resumed run).
pub type EmbedObserver<'a> = &'a (dyn Fn(u64, u64) -> bool + Sync);

/// How an [`embed_snapshot`] run reports, batches and resumes.
#[derive(Clone, Copy)]
pub struct EmbedRun<'a> {
    /// Progress on stderr.
    pub progress: Progress,
    /// Passages per batch (rows are flushed after each).
    pub batch: u32,
    /// Keep the rows of an interrupted run of the same snapshot, model and provider and
    /// embed only the rest.
    pub resume: bool,
    /// Watches (and may stop) the run.
    pub observer: Option<EmbedObserver<'a>>,
}

impl Default for EmbedRun<'_> {
    fn default() -> Self {
        Self {
            progress: Progress::Auto,
            batch: DEFAULT_EMBED_BATCH,
            resume: false,
            observer: None,
        }
    }
}

impl std::fmt::Debug for EmbedRun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbedRun")
            .field("progress", &self.progress)
            .field("batch", &self.batch)
            .field("resume", &self.resume)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

/// What `embed_snapshot` wrote.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EmbedSummary {
    /// The `.npy` file.
    pub npy: PathBuf,
    /// Its ids file (`<npy>.ids.txt`).
    pub ids: PathBuf,
    /// Vectors written.
    pub passages: u64,
    /// Of those, the ones kept from an interrupted run.
    pub resumed: u64,
    /// Vector dimension.
    pub dim: usize,
    /// Passages longer than the model window (their tail was not embedded).
    pub truncated: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Passages embedded per second (by this run).
    pub passages_per_second: f64,
}

/// Embeds every passage of `snapshot` with `options`' model, provider and workers.
pub fn embed_snapshot(
    snapshot: &Snapshot,
    out: &Path,
    options: &DenseOptions,
    run: &EmbedRun<'_>,
) -> Result<EmbedSummary, IngestError> {
    options.validate()?;
    if run.batch == 0 {
        return Err(IngestError::InvalidOption(
            "the embedding batch must be at least 1".into(),
        ));
    }
    let started = std::time::Instant::now();
    let model = ModelFiles::load(&options.model_dir).map_err(dense_error)?;
    let dim = model.dim;
    let n = u32::try_from(snapshot.passage_count())
        .map_err(|_| dense_error("more than 2^32 passages"))?;
    // Raw f32 rows first, then the .npy around them: the header needs the row count, and a
    // cut run must not leave a valid-looking .npy behind (embed_resume.rs).
    let stamp = Stamp {
        snapshot: snapshot.id().to_owned(),
        model: model.id.clone(),
        onnx_sha256: model.onnx_sha256.clone(),
        provider: format!("{:?}", options.provider),
        dim,
    };
    let mut partial = Partial::open(out, &stamp, run.resume)?;
    let resumed = partial.done.min(u64::from(n));
    if resumed > 0 {
        tracing::info!(
            done = resumed,
            total = n,
            "resuming an interrupted embedding run"
        );
    }
    let pool = EmbedPool::with_provider(
        &model,
        &options.ort_library,
        options.workers,
        options.provider,
    )
    .map_err(dense_error)?;
    let mut phase = Phase::start(run.progress, "embedding", Some(u64::from(n)));
    phase.inc(resumed);
    let phase = Mutex::new(phase);
    let mut truncated = 0u64;
    let mut start = resumed as u32;
    while start < n {
        let end = start.saturating_add(run.batch).min(n);
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
                partial
                    .rows
                    .write_all(&v.to_le_bytes())
                    .map_err(io_error(&partial.raw_path))?;
            }
            writeln!(partial.ids, "{}", crate::spool::escape_id(&passage.id))
                .map_err(io_error(&partial.ids_path))?;
        }
        partial.flush()?;
        start = end;
        let go_on = run
            .observer
            .is_none_or(|observe| observe(u64::from(end), u64::from(n)));
        if !go_on && end < n {
            return Err(IngestError::Stopped {
                done: u64::from(end),
                total: u64::from(n),
            });
        }
    }
    if let Ok(phase) = phase.into_inner() {
        phase.finish();
    }
    let ids = partial.ids_path.clone();
    let written = partial.finish(out, dim)?;
    let seconds = started.elapsed().as_secs_f64();
    let embedded = written.saturating_sub(resumed);
    Ok(EmbedSummary {
        npy: out.to_path_buf(),
        ids,
        passages: written,
        resumed,
        dim,
        truncated,
        seconds,
        passages_per_second: embedded as f64 / seconds.max(1e-9),
    })
}
