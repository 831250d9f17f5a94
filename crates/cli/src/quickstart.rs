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
    /// Also fetch the model and build the dense index (hybrid search; ~15 min on 2 cores for
    /// the whole default corpus, see README).
    #[arg(long)]
    pub dense: bool,
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

/// Runs the quickstart.
pub fn run(args: &QuickstartArgs) -> Result<()> {
    let corpus = args.cache.join("corpus/default");
    let snapshot = args.cache.join("snapshots/default");
    let status = Command::new("bash")
        .arg(fetch_script()?)
        .arg(&corpus)
        .status()
        .context("cannot run bash for the corpus fetch script")?;
    if !status.success() {
        bail!("fetching the default corpus failed (see above)");
    }
    describe(&corpus)?;
    let models = args.cache.join("models");
    if args.dense {
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
        Snapshot::open(&snapshot).ok()
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
        if args.dense {
            options.dense = Some(DenseOptions {
                model_dir: models.join("all-MiniLM-L6-v2-int8"),
                ort_library: models.join("onnxruntime/libonnxruntime.so.1.31.1"),
                ..DenseOptions::default()
            });
        }
        let summary = build(&options).context("building the default snapshot")?;
        crate::build_cmd::print_summary(&summary);
    }
    if args.no_serve {
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let log = crate::serve_cmd::LogSettings {
        db: Some(args.cache.join("querylog.sqlite").display().to_string()),
        spill: args.cache.join("querylog.spill.jsonl"),
    };
    runtime.block_on(crate::serve_cmd::serve_snapshot(
        &snapshot, args.addr, None, None, &log,
    ))
}
