//! The files of an `embed_snapshot` run in progress, and picking one up where it was cut.
//!
//! A run appends raw little-endian f32 rows to `<out>.f32.partial` and one id per line to
//! `<out>.ids.txt`, flushing both after every batch, and writes `<out>.partial.json`: the
//! snapshot id, the model (id and ONNX sha256), the provider and the dimension. A later run
//! with the same stamp keeps the rows that are whole in both files and goes on from there;
//! each passage is embedded alone, so the finished vectors are the bytes an uncut run writes.
//! Any other stamp (another snapshot, model or provider) starts over.
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter};
use std::path::{Path, PathBuf};

use crate::{IngestError, io_error, vectors};

/// What makes rows of two runs interchangeable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Stamp {
    pub snapshot: String,
    pub model: String,
    pub onnx_sha256: String,
    pub provider: String,
    pub dim: usize,
}

/// The open files of a run and the rows they already hold.
pub(crate) struct Partial {
    pub raw_path: PathBuf,
    pub ids_path: PathBuf,
    stamp_path: PathBuf,
    pub rows: BufWriter<File>,
    pub ids: BufWriter<File>,
    /// Passages already embedded (kept from an earlier run).
    pub done: u64,
}

impl Partial {
    /// Opens the files of a run writing `out`: resumed when `resume` and the stamp on disk
    /// is `stamp`, else created empty.
    pub fn open(out: &Path, stamp: &Stamp, resume: bool) -> Result<Self, IngestError> {
        let raw_path = out.with_extension("f32.partial");
        let ids_path = vectors::ids_path(out);
        let stamp_path = out.with_extension("partial.json");
        let kept = if resume {
            resumable_rows(&raw_path, &ids_path, &stamp_path, stamp)?
        } else {
            None
        };
        let done = match kept {
            Some((rows, ids_bytes)) => {
                truncate(&raw_path, rows * stamp.dim as u64 * 4)?;
                truncate(&ids_path, ids_bytes)?;
                rows
            }
            None => {
                File::create(&raw_path).map_err(io_error(&raw_path))?;
                File::create(&ids_path).map_err(io_error(&ids_path))?;
                let json = serde_json::to_vec_pretty(stamp)
                    .map_err(|e| crate::dense::dense_error(e.to_string()))?;
                std::fs::write(&stamp_path, json).map_err(io_error(&stamp_path))?;
                0
            }
        };
        let append = |path: &Path| {
            OpenOptions::new()
                .append(true)
                .open(path)
                .map(|f| BufWriter::with_capacity(1 << 20, f))
                .map_err(io_error(path))
        };
        Ok(Self {
            rows: append(&raw_path)?,
            ids: append(&ids_path)?,
            raw_path,
            ids_path,
            stamp_path,
            done,
        })
    }

    /// Flushes what the batch wrote, so a cut after this point keeps it.
    pub fn flush(&mut self) -> Result<(), IngestError> {
        use std::io::Write;
        self.rows.flush().map_err(io_error(&self.raw_path))?;
        self.ids.flush().map_err(io_error(&self.ids_path))
    }

    /// Turns the rows into `out` (the `.npy`) and removes the run's scratch files.
    pub fn finish(mut self, out: &Path, dim: usize) -> Result<u64, IngestError> {
        self.flush()?;
        let Self {
            rows,
            ids,
            raw_path,
            stamp_path,
            ..
        } = self;
        drop((rows, ids));
        let written = vectors::write_npy(out, &raw_path, dim)?;
        std::fs::remove_file(&raw_path).map_err(io_error(&raw_path))?;
        std::fs::remove_file(&stamp_path).map_err(io_error(&stamp_path))?;
        Ok(written)
    }
}

/// Rows whole in both files of a run with `stamp`, and the byte length of that many id
/// lines; `None` when there is nothing of this stamp to resume.
fn resumable_rows(
    raw: &Path,
    ids: &Path,
    stamp_path: &Path,
    stamp: &Stamp,
) -> Result<Option<(u64, u64)>, IngestError> {
    let Ok(on_disk) = std::fs::read(stamp_path) else {
        return Ok(None);
    };
    match serde_json::from_slice::<Stamp>(&on_disk) {
        Ok(found) if found == *stamp => {}
        _ => {
            tracing::info!(stamp = %stamp_path.display(), "an earlier embedding run is of another snapshot or model; starting over");
            return Ok(None);
        }
    }
    let (Ok(raw_meta), Ok(ids_file)) = (std::fs::metadata(raw), File::open(ids)) else {
        return Ok(None);
    };
    let raw_rows = raw_meta.len() / (stamp.dim as u64 * 4);
    // Count whole lines only: a cut write can leave half an id at the end.
    let mut reader = BufReader::new(ids_file);
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut line = Vec::new();
    while lines < raw_rows {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(io_error(ids))?;
        if read == 0 || line.last() != Some(&b'\n') {
            break;
        }
        lines += 1;
        bytes += read as u64;
    }
    Ok(Some((lines, bytes)))
}

fn truncate(path: &Path, len: u64) -> Result<(), IngestError> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(len))
        .map_err(io_error(path))
}
