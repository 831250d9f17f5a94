//! The process-wide ONNX Runtime: one dynamically loaded library and one environment.
//!
//! `ort` loads the library at most once per process and refuses a second environment
//! ("only one environment is allowed per process") even after the first is dropped. Every
//! embedder therefore shares the environment kept here, and asking for a different library
//! later is an error instead of being silently ignored (which is what `ort::init_from` does).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::environment::Environment;
use ort::ep::ExecutionProvider;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::EmbedError;

/// The library path the process loaded, with its environment. Kept for the life of the
/// process: `ort` could not build a new environment after dropping it anyway.
static RUNTIME: Mutex<Option<(PathBuf, Environment)>> = Mutex::new(None);

/// The shared ONNX Runtime environment, loading `library` on first use.
///
/// Public so that other code in the process that needs its own `ort` sessions (benchmarks,
/// a future re-ranker) can get the one environment `ort` allows instead of failing to build
/// a second.
pub fn ort_environment(library: &Path) -> Result<Environment, EmbedError> {
    // Checked here rather than left to the loader: once some library is loaded `ort` ignores
    // the path it is given, so a missing file would only be noticed in a fresh process.
    if !library.is_file() {
        return Err(EmbedError::OrtLibraryMissing {
            path: library.to_path_buf(),
        });
    }
    let requested = std::fs::canonicalize(library).map_err(|source| EmbedError::Io {
        path: library.to_path_buf(),
        source,
    })?;
    // A poisoned lock only means another thread panicked while loading; the slot is still
    // either empty or fully written, so recover it.
    let mut slot = RUNTIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((loaded, env)) = slot.as_ref() {
        if *loaded != requested {
            return Err(EmbedError::OrtLibraryConflict {
                loaded: loaded.clone(),
                requested,
            });
        }
        return Ok(env.clone());
    }
    let load_error = |message: String| EmbedError::OrtLoad {
        path: requested.clone(),
        message,
    };
    let env = ort::init_from(&requested)
        .map_err(|e| load_error(e.to_string()))?
        .with_name("driftless-embed")
        .with_telemetry(false)
        .build()
        .map_err(|e| load_error(e.to_string()))?;
    tracing::info!(library = %requested.display(), "ONNX Runtime loaded");
    *slot = Some((requested, env.clone()));
    Ok(env)
}

/// Where a session runs its graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Provider {
    /// ONNX Runtime's CPU kernels (the default; what the query encoder always uses).
    #[default]
    Cpu,
    /// NVIDIA GPU `device` through ONNX Runtime's CUDA execution provider, for embedding
    /// millions of passages. Needs a GPU build of the ONNX Runtime library. Vectors differ
    /// from the CPU's in their low bits, and the snapshot id follows the vectors.
    Cuda {
        /// CUDA device ordinal.
        device: i32,
    },
}

impl Provider {
    /// Short name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Cuda { .. } => "cuda",
        }
    }
}

/// The library the process loaded, for messages.
pub(crate) fn loaded_library() -> PathBuf {
    RUNTIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .map(|(path, _)| path.clone())
        .unwrap_or_default()
}

/// `Ok` when the count setting `n` is at least 1, else `InvalidSetting(message)`.
pub(crate) fn at_least_one(n: usize, message: &str) -> Result<(), EmbedError> {
    if n == 0 {
        return Err(EmbedError::InvalidSetting(message.into()));
    }
    Ok(())
}

/// Builds a CPU session with a fixed thread count from verified ONNX bytes.
///
/// The optimisation level is ONNX Runtime's default, spelled out so that a change of default in
/// a later release cannot change vectors unnoticed. Threads are pinned because ONNX Runtime's default (one per core) makes results and timing
/// depend on the machine; inter-op parallelism is off because the graph is a single chain.
pub(crate) fn build_session(
    env: &Environment,
    onnx: &[u8],
    intra_threads: usize,
    provider: Provider,
) -> Result<Session, EmbedError> {
    at_least_one(intra_threads, "intra-op threads must be at least 1")?;
    let mut builder = Session::builder(env)?;
    if let Provider::Cuda { device } = provider {
        // `error_on_failure`: without it ONNX Runtime silently falls back to the CPU, and a
        // user who asked for the GPU would wait days without knowing why.
        let unavailable = |message: String| EmbedError::ProviderUnavailable {
            provider: provider.name(),
            library: loaded_library(),
            message,
        };
        if !ort::ep::CUDA::is_available().map_err(|e| unavailable(e.to_string()))? {
            return Err(unavailable(
                "this ONNX Runtime build has no CUDAExecutionProvider".into(),
            ));
        }
        builder = builder
            .with_execution_providers([ort::ep::CUDA::default()
                .with_device_id(device)
                .build()
                .error_on_failure()])
            .map_err(|e| unavailable(e.to_string()))?;
    }
    let session = builder
        .with_optimization_level(GraphOptimizationLevel::All)?
        .with_intra_threads(intra_threads)?
        .with_inter_threads(1)?
        .with_parallel_execution(false)?
        .with_deterministic_compute(true)?
        .commit_from_memory(onnx)?;
    Ok(session)
}
