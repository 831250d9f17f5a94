//! `driftless quickstart`: fetch a corpus (the default one, or with `--corpus large` the
//! large one) if missing, build, serve.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use driftless_ingest::{BuildOptions, DenseOptions, Progress, build};

use crate::quickstart_dense;

/// The corpora quickstart can fetch and build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CorpusChoice {
    /// PostgreSQL 15, Python 3.11, Django 3.2, git and Sphinx manuals (2,770 pages,
    /// corpus-tools/fetch-default-corpus.sh).
    Default,
    /// Rust 1.63 (std, core, the books), the Java 17 API and the Linux 6.1 kernel
    /// documentation (45,427 pages, 1.1 GB, corpus-tools/fetch-large-corpus.sh). BM25 only
    /// unless --full: its 311k passages would take over 1.5 hours to embed on 2 cores.
    Large,
}

impl CorpusChoice {
    /// The name of the corpus: its directory under `<cache>/corpus/` and its snapshots' prefix.
    pub fn name(self) -> &'static str {
        match self {
            CorpusChoice::Default => "default",
            CorpusChoice::Large => "large",
        }
    }

    /// The script in corpus-tools/ that fetches it.
    fn fetch_script_name(self) -> &'static str {
        match self {
            CorpusChoice::Default => "fetch-default-corpus.sh",
            CorpusChoice::Large => "fetch-large-corpus.sh",
        }
    }
}

/// Arguments of `driftless quickstart`.
#[derive(Debug, Clone, Args)]
pub struct QuickstartArgs {
    /// Which corpus to fetch, build and serve. `large` is fetched to <cache>/corpus/large and
    /// built BM25-only (about a minute; embedding its 311k passages in-process would take
    /// over 1.5 hours on 2 cores at ~56 passages/s; --full embeds them anyway).
    #[arg(long, value_enum, default_value_t = CorpusChoice::Default)]
    pub corpus: CorpusChoice,
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
    /// (about 63k passages, twice the subset's embedding time; see README). With `--corpus
    /// large`: dense + BM25 over the whole large corpus (over 1.5 hours).
    #[arg(long, conflicts_with = "no_dense")]
    pub full: bool,
    /// Compatibility alias: dense is the default now.
    #[arg(long, hide = true)]
    pub dense: bool,
}

/// The pages the default quickstart serves with dense and hybrid: the PostgreSQL 15 and
/// Django manuals (30,120 passages), embedded behind a BM25 snapshot of the same pages that
/// answers at once. Embedding is the slow part (the README has the measured phase times), so
/// the whole corpus is `--full`; Django's index keeps a judged set for `driftless eval`.
pub const QUICKSTART_SUBSET: [&str; 2] = ["postgresql-doc-15/", "python-django-doc/"];

impl QuickstartArgs {
    /// Dense is the default corpus' default; the large corpus embeds only when asked
    /// (`--full`, or the old `--dense`).
    fn wants_dense(&self) -> bool {
        match self.corpus {
            CorpusChoice::Default => !self.no_dense,
            CorpusChoice::Large => !self.no_dense && (self.full || self.dense),
        }
    }

    /// Path prefixes of the snapshot this run should serve.
    fn include(&self) -> Vec<String> {
        if self.corpus == CorpusChoice::Default && self.wants_dense() && !self.full {
            QUICKSTART_SUBSET.iter().map(|p| (*p).to_string()).collect()
        } else {
            Vec::new()
        }
    }

    /// Where the corpus is fetched to.
    fn corpus_dir(&self) -> PathBuf {
        self.cache.join("corpus").join(self.corpus.name())
    }

    /// Snapshot directory: one per corpus and variant, so switching flags never serves a
    /// stale build.
    fn snapshot_dir(&self) -> PathBuf {
        let name = match (self.corpus, self.wants_dense(), self.full) {
            (CorpusChoice::Default, false, _) => "default-bm25",
            (CorpusChoice::Default, true, false) => "default",
            (CorpusChoice::Default, true, true) => "default-full",
            (CorpusChoice::Large, false, _) => "large-bm25",
            (CorpusChoice::Large, true, _) => "large-full",
        };
        self.cache.join("snapshots").join(name)
    }

    /// The BM25 snapshot served while the dense one builds: the same pages without the
    /// dense index. Over a whole corpus that is the `--no-dense` snapshot itself.
    fn first_snapshot_dir(&self) -> PathBuf {
        if self.include().is_empty() {
            let bm25 = Self {
                no_dense: true,
                full: false,
                dense: false,
                ..self.clone()
            };
            bm25.snapshot_dir()
        } else {
            let name = format!("{}-subset-bm25", self.corpus.name());
            self.cache.join("snapshots").join(name)
        }
    }
}

/// A script in corpus-tools/: next to the working directory when run from a clone, else
/// the clone this binary was built from.
fn corpus_tool(name: &str) -> Result<PathBuf> {
    let relative = Path::new("corpus-tools").join(name);
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(&relative);
    [relative.clone(), built_from]
        .into_iter()
        .find(|p| p.is_file())
        .with_context(|| {
            format!(
                "{} not found; run quickstart from the driftless repository",
                relative.display()
            )
        })
}

/// Where the quickstart fetches the model and ONNX Runtime: beside `$DRIFTLESS_MODEL_DIR`
/// when set, else the user cache (`~/.cache/driftless/models`), which every command searches
/// whatever its working directory (so the snapshot works outside this directory too), else
/// `<cache>/models` on a system without a home directory.
fn models_dest(args: &QuickstartArgs) -> PathBuf {
    if let Some(dir) = std::env::var_os("DRIFTLESS_MODEL_DIR").filter(|d| !d.is_empty())
        && let Some(parent) = Path::new(&dir).parent()
    {
        return parent.to_path_buf();
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

/// Runs the quickstart. Serving with dense wanted and no dense snapshot yet: a BM25
/// snapshot of the same pages answers first and the dense one is built behind it
/// (quickstart_dense.rs). Otherwise (`--no-serve`, `--no-dense`, or a dense snapshot
/// already built) it builds what is missing, then serves.
pub fn run(args: &QuickstartArgs) -> Result<()> {
    let name = args.corpus.name();
    let corpus = args.corpus_dir();
    let fetch_script = corpus_tool(args.corpus.fetch_script_name())?;
    run_script(
        &fetch_script,
        &corpus,
        &format!("fetching the {name} corpus"),
    )?;
    crate::corpus_cmd::describe(&corpus)?;
    let models = models_dest(args);
    let model_script = fetch_script.with_file_name("fetch-model.sh");
    let open = driftless_index::OpenOptions {
        ort_library: ort_library(&models),
        ..crate::serve_cmd::serving_open_options()
    };
    let model_fetched =
        models.join("all-MiniLM-L6-v2-int8/model.json").is_file() && open.ort_library.is_file();
    // Opened (and verified) once here when it exists, not again before serving it.
    let dense_built = (!args.rebuild && model_fetched && args.wants_dense())
        .then(|| quickstart_dense::opens(&args.snapshot_dir(), &open))
        .flatten();
    if args.no_serve || !args.wants_dense() || dense_built.is_some() {
        let snapshot = args.snapshot_dir();
        if let Some(built) = dense_built {
            eprintln!(
                "quickstart: reusing snapshot {} at {}",
                built.id(),
                snapshot.display()
            );
        } else {
            if args.wants_dense() {
                run_script(&model_script, &models, "fetching the model")?;
            }
            build_unless_built(
                args,
                &snapshot,
                &open,
                args.wants_dense().then_some(&models),
            )?;
        }
        if args.no_serve {
            return Ok(());
        }
        return serve(args, &snapshot, open, None);
    }
    // BM25 first: the same pages, no model, seconds to build.
    let first = args.first_snapshot_dir();
    build_unless_built(args, &first, &open, None)?;
    let plan = quickstart_dense::DensePlan {
        corpus,
        include: args.include(),
        dense_dir: args.snapshot_dir(),
        embeddings: args.cache.join("embeddings"),
        model_script,
        models,
        open: open.clone(),
        restart: args.rebuild,
    };
    eprintln!(
        "quickstart: BM25 answers now; the dense snapshot builds behind it (progress: GET /v1/snapshot/build) and replaces it when verified"
    );
    let background: crate::serve_cmd::Background =
        Box::new(move |state| quickstart_dense::spawn(plan, state));
    serve(args, &first, open, Some(background))
}

/// Runs a corpus-tools script with `dest`; `what` names it in the error.
fn run_script(script: &Path, dest: &Path, what: &str) -> Result<()> {
    let status = Command::new("bash")
        .arg(script)
        .arg(dest)
        .status()
        .with_context(|| format!("cannot run bash for {}", script.display()))?;
    if !status.success() {
        bail!("{what} failed (see above)");
    }
    Ok(())
}

/// Builds `snapshot` (with the model under `models` when given) unless `--rebuild` was not
/// asked and it already opens.
fn build_unless_built(
    args: &QuickstartArgs,
    snapshot: &Path,
    open: &driftless_index::OpenOptions,
    models: Option<&PathBuf>,
) -> Result<()> {
    if !args.rebuild
        && let Some(s) = quickstart_dense::opens(snapshot, open)
    {
        eprintln!(
            "quickstart: reusing snapshot {} at {}",
            s.id(),
            snapshot.display()
        );
        return Ok(());
    }
    let mut options = BuildOptions::new(args.corpus_dir(), snapshot);
    options.overwrite = true;
    options.progress = Progress::Auto;
    options.reader.include = args.include();
    if let Some(models) = models {
        options.dense = Some(DenseOptions {
            model_dir: models.join("all-MiniLM-L6-v2-int8"),
            ort_library: ort_library(models),
            ..DenseOptions::default()
        });
    }
    let name = args.corpus.name();
    let summary = build(&options).with_context(|| format!("building the {name} snapshot"))?;
    crate::build_cmd::print_summary(&summary);
    Ok(())
}

/// Serves `snapshot` the way `serve` does by default (the query log in the data directory,
/// where `driftless logs analyse` finds it), with `background` started once it answers.
fn serve(
    args: &QuickstartArgs,
    snapshot: &Path,
    open: driftless_index::OpenOptions,
    background: Option<crate::serve_cmd::Background>,
) -> Result<()> {
    let config = driftless_server::ServerConfig::default();
    let runtime = crate::serve_cmd::server_runtime(&config)?;
    let log = crate::serve_cmd::LogSettings {
        db: Some(crate::data_dir::default_log_db()?.display().to_string()),
        spill: crate::data_dir::default_spill()?,
        journal: true,
    };
    let snapshots = crate::serve_cmd::Snapshots {
        dirs: vec![snapshot.to_path_buf()],
        open,
    };
    runtime.block_on(crate::serve_cmd::serve_snapshot(
        snapshots,
        args.addr,
        config,
        &log,
        driftless_server::access::Access::default(),
        driftless_server::ConnectionLimits::default(),
        background,
    ))
}

#[cfg(test)]
#[path = "quickstart_tests.rs"]
mod tests;
