//! `driftless snapshot pack|verify|unpack`: a snapshot as one reproducible file.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use driftless_ingest::{Phase, Progress};
use driftless_pack::{PACK_SUFFIX, PackSummary};

/// Snapshot pack commands.
#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Write a snapshot directory as a pack (`<snapshot_id>.driftless.tar.zst` and its
    /// `.sha256`). Two builds of one corpus give byte-identical packs.
    Pack {
        /// Snapshot directory (from `driftless build`).
        dir: PathBuf,
        /// Pack file to write. Default: `<snapshot_id>.driftless.tar.zst` in the current
        /// directory.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Check a pack: its layout, every file against the manifest inside it, and its digest
    /// against `--sha256` or the `.sha256` file beside it.
    Verify {
        /// Pack file.
        pack: PathBuf,
        /// The pack digest it must have (sha256, hex), e.g. from the lab that sent it.
        #[arg(long)]
        sha256: Option<String>,
    },
    /// Check and unpack a pack into a new directory (never half-written: it appears only
    /// when every file checked out). `serve --snapshot <pack>` does this by itself.
    Unpack {
        /// Pack file.
        pack: PathBuf,
        /// Directory to create (absent or empty).
        dest: PathBuf,
        /// The pack digest it must have (sha256, hex).
        #[arg(long)]
        sha256: Option<String>,
    },
}

/// Runs a snapshot command.
pub fn run(command: &SnapshotCommand) -> Result<()> {
    match command {
        SnapshotCommand::Pack { dir, out } => pack(dir, out.as_deref()),
        SnapshotCommand::Verify { pack, sha256 } => {
            let summary = driftless_pack::verify(pack, sha256.as_deref())?;
            print_summary("verified", &summary);
            Ok(())
        }
        SnapshotCommand::Unpack { pack, dest, sha256 } => {
            let summary = driftless_pack::unpack(pack, dest, sha256.as_deref())?;
            print_summary("unpacked", &summary);
            println!("serve it: driftless serve --snapshot {}", dest.display());
            Ok(())
        }
    }
}

fn pack(dir: &Path, out: Option<&Path>) -> Result<()> {
    let manifest = driftless_index::Snapshot::read_manifest(dir)
        .with_context(|| format!("{} is not a snapshot directory", dir.display()))?;
    let out = out.map_or_else(
        || PathBuf::from(format!("{}{PACK_SUFFIX}", manifest.snapshot_id)),
        Path::to_path_buf,
    );
    let total = manifest.files.iter().map(|f| f.bytes).sum();
    let mut phase = Phase::start(Progress::Auto, "packing", Some(total));
    let summary = driftless_pack::pack(dir, &out, &mut |bytes| phase.inc(bytes))?;
    phase.finish();
    print_summary("packed", &summary);
    Ok(())
}

/// One line a script can read (`sha256  path`, as sha256sum prints) after a human one.
fn print_summary(what: &str, summary: &PackSummary) {
    eprintln!(
        "{what} snapshot {}: {} files, {:.1} MB in a {:.1} MB pack",
        summary.snapshot_id,
        summary.files,
        summary.snapshot_bytes as f64 / 1e6,
        summary.pack_bytes as f64 / 1e6
    );
    println!("{}  {}", summary.sha256, summary.path.display());
}
