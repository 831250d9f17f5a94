//! quickstart's dense build, behind a BM25 snapshot that already answers.
//!
//! Embedding the default subset takes ~16 minutes on 2 cores, so quickstart serves a BM25
//! snapshot of the same pages within seconds and builds the dense one here, on a thread of
//! lowered priority: fetch the model, embed the served snapshot's passages (resumable: rows
//! are kept per batch under `<cache>/embeddings/`), build the dense snapshot from those
//! vectors (the same snapshot id as an in-process `build --dense`), open and verify it, and
//! switch the server to it. Progress is on the console and at `GET /v1/snapshot/build`.
//! An interrupted build is picked up by the next quickstart: the embedding resumes from its
//! last whole batch, the snapshot build restarts from the corpus (it takes seconds).
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use driftless_index::{OpenOptions, Snapshot};
use driftless_ingest::{BuildOptions, DenseOptions, EmbedRun, Progress, build, embed_snapshot};
use driftless_server::AppState;

/// Passages embedded between two flushes of the resumable rows (~8 s on 2 cores): what an
/// interrupted quickstart loses at most.
const RESUME_BATCH: u32 = 256;

/// What the background build needs.
#[derive(Debug, Clone)]
pub struct DensePlan {
    /// The corpus and the page prefixes the served snapshot was built from.
    pub corpus: PathBuf,
    pub include: Vec<String>,
    /// Where the dense snapshot goes.
    pub dense_dir: PathBuf,
    /// Where the resumable embedding rows go.
    pub embeddings: PathBuf,
    /// corpus-tools/fetch-model.sh and the directory it fetches into.
    pub model_script: PathBuf,
    pub models: PathBuf,
    /// How the server opens snapshots (the ONNX Runtime library, verification).
    pub open: OpenOptions,
    /// Start over instead of resuming an earlier embedding.
    pub restart: bool,
}

impl DensePlan {
    fn model_dir(&self) -> PathBuf {
        self.models.join("all-MiniLM-L6-v2-int8")
    }
}

/// Starts the build on its own thread; the server keeps answering from `state`'s snapshot
/// until the dense one replaces it.
pub fn spawn(plan: DensePlan, state: AppState) {
    let started = std::thread::Builder::new()
        .name("dense-build".into())
        .spawn(move || {
            lower_priority();
            let Ok(served) = state.snapshot() else {
                return;
            };
            state.build_board().start("dense", served.id());
            match run(&plan, &state, &served) {
                Ok(id) => {
                    state.build_board().switched(&id);
                    eprintln!(
                        "driftless: now serving snapshot {id}, with dense and hybrid search (mode=hybrid, mode=dense); it replaced {}",
                        served.id()
                    );
                }
                Err(error) => {
                    let message = format!(
                        "{error:#}; BM25 keeps answering. Run quickstart again to retry (the embedding resumes where it stopped)"
                    );
                    tracing::error!(%message, "dense build failed");
                    eprintln!("driftless: the dense build failed: {message}");
                    state.build_board().failed(&message);
                }
            }
        });
    if let Err(error) = started {
        tracing::error!(%error, "cannot start the dense build thread; serving BM25 only");
    }
}

fn run(plan: &DensePlan, state: &AppState, served: &Arc<Snapshot>) -> Result<String> {
    let board = state.build_board();
    board.phase("fetching_model", 0);
    let status = Command::new("bash")
        .arg(&plan.model_script)
        .arg(&plan.models)
        .status()
        .context("cannot run bash for the model fetch script")?;
    if !status.success() {
        bail!("fetching the model failed (see above)");
    }
    if !plan.restart
        && let Ok(built) = Snapshot::open_with(&plan.dense_dir, &plan.open)
    {
        // Built by an earlier run whose model was fetched since: serve it as it is.
        let id = built.id().to_owned();
        state.switch_snapshot(built);
        return Ok(id);
    }
    let dense = DenseOptions {
        model_dir: plan.model_dir(),
        ort_library: plan.open.ort_library.clone(),
        ..DenseOptions::default()
    };
    let total = served.passage_count() as u64;
    board.phase("embedding", total);
    std::fs::create_dir_all(&plan.embeddings)
        .with_context(|| format!("cannot create {}", plan.embeddings.display()))?;
    let npy = plan.embeddings.join(format!("{}.npy", served.id()));
    let observe = |done: u64, total: u64| {
        board.progress(done, total);
        true
    };
    let run = EmbedRun {
        progress: Progress::Auto,
        batch: RESUME_BATCH,
        resume: !plan.restart,
        observer: Some(&observe),
    };
    let embedded = embed_snapshot(served, &npy, &dense, &run).context("embedding the passages")?;
    eprintln!(
        "quickstart: embedded {} passages ({} kept from an interrupted run) in {:.0} s",
        embedded.passages, embedded.resumed, embedded.seconds
    );

    board.phase("indexing", 0);
    let mut options = BuildOptions::new(&plan.corpus, &plan.dense_dir);
    options.overwrite = true;
    options.progress = Progress::Auto;
    options.reader.include = plan.include.clone();
    options.dense = Some(DenseOptions {
        vectors: Some(npy.clone()),
        vector_ids: Some(embedded.ids.clone()),
        ..dense
    });
    let summary = build(&options).context("building the dense snapshot")?;
    crate::build_cmd::print_summary(&summary);

    board.phase("verifying", 0);
    let snapshot = Snapshot::open_with(&plan.dense_dir, &plan.open).with_context(|| {
        format!(
            "the new snapshot {} does not open",
            plan.dense_dir.display()
        )
    })?;
    let id = snapshot.id().to_owned();
    state.switch_snapshot(snapshot);
    // The snapshot holds the vectors now; the rows were only the resumable copy.
    for file in [&npy, &embedded.ids] {
        let _ = std::fs::remove_file(file);
    }
    Ok(id)
}

/// Lowers this thread's scheduling priority (nice 10; the embedding workers it starts
/// inherit it), so searches keep their cores while the build runs. Best effort: `renice` on
/// the thread id, as the workspace forbids the `unsafe` of calling setpriority directly.
fn lower_priority() {
    let Some(tid) = std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
    else {
        return;
    };
    let lowered = Command::new("renice")
        .args(["-n", "10", "-p", &tid])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !matches!(lowered, Ok(status) if status.success()) {
        tracing::debug!("renice unavailable; the dense build runs at normal priority");
    }
}

/// Whether `dir` holds a snapshot that opens with `open`.
pub fn opens(dir: &Path, open: &OpenOptions) -> Option<Snapshot> {
    Snapshot::open_with(dir, open).ok()
}
