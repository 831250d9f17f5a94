//! `driftless quickstart`: fetch the default corpus if missing, build, serve.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::Args;
use driftless_corpus::{DESCRIPTION_FILE, describe as describe_pages, write_description};
use driftless_index::Snapshot;
use driftless_ingest::{BuildOptions, DenseOptions, Progress, build};

/// Arguments of `driftless quickstart`.
#[derive(Debug, Args)]
pub struct QuickstartArgs {
    /// Cache for the corpus packages and the snapshot.
    #[arg(long, default_value = ".cache", env = "DRIFTLESS_CACHE")]
    pub cache: PathBuf,
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "DRIFTLESS_ADDR")]
    pub addr: SocketAddr,
    /// Build and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
    /// Rebuild the snapshot even if one exists.
    #[arg(long)]
    pub rebuild: bool,
    /// BM25 only: skip the model and the dense index (every page of the default corpus,
    /// built in well under a minute).
    #[arg(long)]
    pub no_dense: bool,
    /// Dense + BM25 over every page of the default corpus instead of the quickstart subset
    /// (about 63k passages: ~19 min of embedding on 2 cores, see README).
    #[arg(long, conflicts_with = "no_dense")]
    pub full: bool,
    /// Compatibility alias: dense is the default now.
    #[arg(long, hide = true)]
    pub dense: bool,
}

/// The pages the default quickstart embeds: the PostgreSQL 15 and Django manuals (30,120
/// passages). Embedding runs at ~56 passages/s on 2 cores (measured: MiniLM int8, one
/// single-threaded session per core), so the whole default corpus (63k passages) takes ~19
/// minutes and PostgreSQL + Python (36,664) took 11 min 43 s, over the ~10 minutes a first
/// run should take; PostgreSQL + Django is ~9 minutes and still has a judged set (Django's
/// index) for `driftless eval`. `--full` builds everything, `--no-dense` everything as BM25.
pub const QUICKSTART_SUBSET: [&str; 2] = ["postgresql-doc-15/", "python-django-doc/"];

impl QuickstartArgs {
    fn wants_dense(&self) -> bool {
        !self.no_dense
    }

    /// Path prefixes of the snapshot this run should serve.
    fn include(&self) -> Vec<String> {
        if self.wants_dense() && !self.full {
            QUICKSTART_SUBSET.iter().map(|p| (*p).to_string()).collect()
        } else {
            Vec::new()
        }
    }

    /// Snapshot directory: one per variant, so switching flags never serves a stale build.
    fn snapshot_dir(&self) -> PathBuf {
        let name = match (self.wants_dense(), self.full) {
            (false, _) => "default-bm25",
            (true, false) => "default",
            (true, true) => "default-full",
        };
        self.cache.join("snapshots").join(name)
    }
}

/// The fetch script: next to the working directory when run from a clone, else the
/// clone this binary was built from.
fn fetch_script() -> Result<PathBuf> {
    let relative = Path::new("corpus-tools/fetch-default-corpus.sh");
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    [relative.to_path_buf(), built_from]
        .into_iter()
        .find(|p| p.is_file())
        .context("corpus-tools/fetch-default-corpus.sh not found; run quickstart from the driftless repository")
}

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

/// Where the quickstart fetches the model and ONNX Runtime: beside `$DRIFTLESS_MODEL_DIR`
/// when set, else the user cache (`~/.cache/driftless/models`), which every command searches
/// whatever its working directory (so the snapshot works outside this directory too), else
/// `<cache>/models` on a system without a home directory.
fn models_dest(args: &QuickstartArgs) -> PathBuf {
    if let Some(dir) = std::env::var_os("DRIFTLESS_MODEL_DIR").filter(|d| !d.is_empty()) {
        if let Some(parent) = Path::new(&dir).parent() {
            return parent.to_path_buf();
        }
    }
    driftless_index::user_models_dir().unwrap_or_else(|| args.cache.join("models"))
}

/// The ONNX Runtime library: `--ort-library` / `DRIFTLESS_ORT_LIB` when given, else the
/// one fetch-model.sh put under `models`.
fn ort_library(models: &Path) -> PathBuf {
    let chosen = driftless_index::default_ort_library();
    let fetched = models.join("onnxruntime").join(driftless_index::ORT_FILE);
    if chosen.is_file() { chosen } else { fetched }
}

/// Runs the quickstart.
pub fn run(args: &QuickstartArgs) -> Result<()> {
    let corpus = args.cache.join("corpus/default");
    let snapshot = args.snapshot_dir();
    let status = Command::new("bash")
        .arg(fetch_script()?)
        .arg(&corpus)
        .status()
        .context("cannot run bash for the corpus fetch script")?;
    if !status.success() {
        bail!("fetching the default corpus failed (see above)");
    }
    describe(&corpus)?;
    let models = models_dest(args);
    if args.wants_dense() {
        let script = fetch_script()?.with_file_name("fetch-model.sh");
        let status = Command::new("bash")
            .arg(script)
            .arg(&models)
            .status()
            .context("cannot run bash for the model fetch script")?;
        if !status.success() {
            bail!("fetching the model failed (see above)");
        }
    }
    let existing = if args.rebuild {
        None
    } else {
        let open = driftless_index::OpenOptions {
            ort_library: ort_library(&models),
            ..crate::serve_cmd::serving_open_options()
        };
        Snapshot::open_with(&snapshot, &open).ok()
    };
    let usable = match existing {
        Some(s) => {
            eprintln!(
                "quickstart: reusing snapshot {} at {}",
                s.id(),
                snapshot.display()
            );
            true
        }
        None => false,
    };
    if !usable {
        let mut options = BuildOptions::new(&corpus, &snapshot);
        options.overwrite = true;
        options.progress = Progress::Auto;
        options.reader.include = args.include();
        if args.wants_dense() {
            options.dense = Some(DenseOptions {
                model_dir: models.join("all-MiniLM-L6-v2-int8"),
                ort_library: ort_library(&models),
                ..DenseOptions::default()
            });
        }
        let summary = build(&options).context("building the default snapshot")?;
        crate::build_cmd::print_summary(&summary);
    }
    if args.no_serve {
        return Ok(());
    }
    let config = driftless_server::ServerConfig::default();
    let runtime = crate::serve_cmd::server_runtime(&config)?;
    // The data directory, as `serve` uses by default: `driftless logs analyse` finds it.
    let log = crate::serve_cmd::LogSettings {
        db: Some(crate::data_dir::default_log_db()?.display().to_string()),
        spill: crate::data_dir::default_spill()?,
    };
    let open = driftless_index::OpenOptions {
        ort_library: ort_library(&models),
        ..crate::serve_cmd::serving_open_options()
    };
    runtime.block_on(crate::serve_cmd::serve_snapshot(
        &snapshot,
        args.addr,
        config,
        &log,
        open,
        driftless_server::access::Access::default(),
        driftless_server::ConnectionLimits::default(),
    ))
}
