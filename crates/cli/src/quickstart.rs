//! `driftless quickstart`: fetch a corpus (the default one, or with `--corpus large` the
//! large one) if missing, build, serve.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use driftless_corpus::{DESCRIPTION_FILE, describe as describe_pages, write_description};
use driftless_index::Snapshot;
use driftless_ingest::{BuildOptions, DenseOptions, Progress, build};

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
#[derive(Debug, Args)]
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
    /// (about 63k passages: ~19 min of embedding on 2 cores, see README). With `--corpus
    /// large`: dense + BM25 over the whole large corpus (over 1.5 hours).
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

/// Runs the quickstart.
pub fn run(args: &QuickstartArgs) -> Result<()> {
    let name = args.corpus.name();
    let corpus = args.corpus_dir();
    let snapshot = args.snapshot_dir();
    let fetch_script = corpus_tool(args.corpus.fetch_script_name())?;
    let status = Command::new("bash")
        .arg(&fetch_script)
        .arg(&corpus)
        .status()
        .context("cannot run bash for the corpus fetch script")?;
    if !status.success() {
        bail!("fetching the {name} corpus failed (see above)");
    }
    describe(&corpus)?;
    let models = models_dest(args);
    if args.wants_dense() {
        let script = fetch_script.with_file_name("fetch-model.sh");
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
        let summary = build(&options).with_context(|| format!("building the {name} snapshot"))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: QuickstartArgs,
    }

    fn parse(flags: &[&str]) -> Result<QuickstartArgs, clap::Error> {
        let argv = ["quickstart", "--cache", "/c"].iter().chain(flags);
        Cli::try_parse_from(argv).map(|c| c.args)
    }

    /// (corpus dir, snapshot dir, dense, include) of a command line.
    fn plan(flags: &[&str]) -> (String, String, bool, Vec<String>) {
        let args = parse(flags).expect("parses");
        (
            args.corpus_dir().display().to_string(),
            args.snapshot_dir().display().to_string(),
            args.wants_dense(),
            args.include(),
        )
    }

    #[test]
    fn default_corpus_is_unchanged() {
        let subset: Vec<String> = QUICKSTART_SUBSET.iter().map(|p| p.to_string()).collect();
        let dense = ("/c/corpus/default", "/c/snapshots/default", true, subset);
        assert_eq!(plan(&[]), plan(&["--corpus", "default"]));
        let (corpus, snapshot, wants_dense, include) = plan(&[]);
        assert_eq!(
            (corpus.as_str(), snapshot.as_str(), wants_dense, include),
            dense
        );
        assert_eq!(
            plan(&["--no-dense"]),
            (
                "/c/corpus/default".into(),
                "/c/snapshots/default-bm25".into(),
                false,
                vec![]
            )
        );
        assert_eq!(
            plan(&["--full"]),
            (
                "/c/corpus/default".into(),
                "/c/snapshots/default-full".into(),
                true,
                vec![]
            )
        );
    }

    #[test]
    fn large_corpus_is_bm25_unless_full() {
        let bm25 = (
            "/c/corpus/large".to_string(),
            "/c/snapshots/large-bm25".to_string(),
            false,
            Vec::<String>::new(),
        );
        assert_eq!(plan(&["--corpus", "large"]), bm25);
        assert_eq!(plan(&["--corpus", "large", "--no-dense"]), bm25);
        let full = (
            "/c/corpus/large".to_string(),
            "/c/snapshots/large-full".to_string(),
            true,
            Vec::<String>::new(),
        );
        assert_eq!(plan(&["--corpus", "large", "--full"]), full);
        assert_eq!(plan(&["--corpus", "large", "--dense"]), full);
        assert_eq!(
            CorpusChoice::Large.fetch_script_name(),
            "fetch-large-corpus.sh"
        );
    }

    #[test]
    fn unknown_corpora_and_conflicts_are_refused() {
        let err = parse(&["--corpus", "huge"]).expect_err("refused");
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
        assert!(err.to_string().contains("large"), "{err}");
        let err = parse(&["--corpus", "large", "--full", "--no-dense"]).expect_err("refused");
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }
}
