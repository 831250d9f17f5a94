//! The spill file: an append-only JSONL file that holds records the store could not take
//! (full capture channel, store down) until the writer replays them.
//!
//! Two files: `<path>` receives appends; `<path>.replaying` is the previous `<path>`, renamed
//! while it is being re-inserted. Renaming under the lock lets appends continue during a
//! replay, and the replay file is deleted only after its last record was inserted.
//!
//! fsync policy: each record is one `write(2)` of a whole line on an `O_APPEND` handle, so
//! a crash of the process loses nothing already appended; `fdatasync` runs after each batch
//! spilled by the writer, on every replay tick when single records were appended since the
//! last sync, and before a rotation. A power loss can therefore lose at most the records
//! appended one by one during the last replay interval; syncing on the request path instead
//! would cost milliseconds per request during exactly the moments the store is struggling.
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::record::LogRecord;

#[derive(Debug, Default)]
struct Active {
    file: Option<File>,
    dirty: bool,
}

/// Append side plus rotation of the spill file. Shared by the request path and the writer.
#[derive(Debug)]
pub(crate) struct Spill {
    path: PathBuf,
    replay_path: PathBuf,
    active: Mutex<Active>,
}

impl Spill {
    /// Opens (creating) the append file now, so that an unusable spill path is reported at
    /// start-up rather than discovered during the first store outage.
    pub(crate) fn open(path: PathBuf) -> io::Result<Self> {
        let file = open_append(&path)?;
        let mut replay = path.clone().into_os_string();
        replay.push(".replaying");
        Ok(Self {
            path,
            replay_path: PathBuf::from(replay),
            active: Mutex::new(Active {
                file: Some(file),
                dirty: false,
            }),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn replay_path(&self) -> &Path {
        &self.replay_path
    }

    fn lock(&self) -> MutexGuard<'_, Active> {
        // A panic while holding this lock cannot leave the file half-configured: recover.
        self.active
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends each record as one line; `sync` forces the data to disk before returning.
    pub(crate) fn append(&self, records: &[LogRecord], sync: bool) -> io::Result<()> {
        let mut active = self.lock();
        if active.file.is_none() {
            active.file = Some(open_append(&self.path)?);
        }
        let Some(file) = active.file.as_mut() else {
            return Err(io::Error::other("spill file not open"));
        };
        let mut lines = Vec::with_capacity(records.len() * 512);
        for record in records {
            serde_json::to_writer(&mut lines, record).map_err(io::Error::other)?;
            lines.push(b'\n');
        }
        append_lines(file, &lines)?;
        if sync {
            file.sync_data()?;
            active.dirty = false;
        } else {
            active.dirty = true;
        }
        Ok(())
    }

    /// Syncs single-record appends made since the last sync.
    pub(crate) fn sync_if_dirty(&self) -> io::Result<()> {
        let mut active = self.lock();
        if active.dirty {
            if let Some(file) = active.file.as_ref() {
                file.sync_data()?;
            }
            active.dirty = false;
        }
        Ok(())
    }

    /// Makes sure a replay file exists if anything is spilled: keeps a leftover replay file
    /// (from an interrupted replay or an earlier process), otherwise renames a non-empty
    /// active file. Returns whether there is a replay file to read.
    pub(crate) fn rotate(&self) -> io::Result<bool> {
        let mut active = self.lock();
        if self.replay_path.exists() {
            return Ok(true);
        }
        let len = match std::fs::metadata(&self.path) {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(e),
        };
        if len == 0 {
            return Ok(false);
        }
        if let Some(file) = active.file.take() {
            file.sync_data()?;
        }
        active.dirty = false;
        std::fs::rename(&self.path, &self.replay_path)?;
        // The rename lives in the directory: without syncing it, a power loss could bring
        // back the old name, and records already replayed would be replayed again (harmless,
        // keyed) or, worse, a later spill file could be renamed over a kept replay file.
        sync_dir(&self.path)?;
        Ok(true)
    }

    /// Deletes a fully replayed replay file.
    pub(crate) fn finish_replay(&self) -> io::Result<()> {
        match std::fs::remove_file(&self.replay_path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Records still waiting in either file (non-empty lines, replayed ones included when a
    /// replay is half done). Reads both files: call at shutdown, not per request.
    pub(crate) fn pending_lines(&self) -> u64 {
        let _guard = self.lock();
        [&self.replay_path, &self.path]
            .iter()
            .map(|p| match File::open(p) {
                // Bytes, not `lines()`: a torn multi-byte character must not end the count.
                Ok(f) => BufReader::new(f)
                    .split(b'\n')
                    .map_while(Result::ok)
                    .filter(|l| !l.trim_ascii().is_empty())
                    .count() as u64,
                Err(_) => 0,
            })
            .sum()
    }
}

/// Reads the replay file in batches, remembering where it stopped.
#[derive(Debug)]
pub(crate) struct ReplayCursor {
    reader: BufReader<File>,
    /// A batch read but not yet inserted (the store failed): retried before reading on.
    pub(crate) pending: Vec<LogRecord>,
    line: usize,
}

/// Opens `path` for appending, creating it (and syncing its directory so the new name
/// survives a power loss), and makes sure the next append starts a line: a file whose last
/// line was torn (a crash or a full disk mid-write) gets a newline first, so the torn bytes
/// stay one unreadable line instead of corrupting the next, complete record.
pub(crate) fn open_append(path: &Path) -> io::Result<File> {
    let existed = path.exists();
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(path)?;
    if !existed {
        sync_dir(path)?;
    }
    end_torn_line(&mut file)?;
    Ok(file)
}

/// Writes a newline if the file is non-empty and does not end with one.
fn end_torn_line(file: &mut File) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let len = file.metadata()?.len();
    let mut last = [0u8; 1];
    if len > 0 && file.read_at(&mut last, len - 1)? == 1 && last[0] != b'\n' {
        file.write_all(b"\n")?;
    }
    Ok(())
}

/// Appends whole lines. A write that fails part-way (disk full, file size limit) is cut
/// back to where it started, so a partial line never precedes the next append; if even the
/// cut fails, [`end_torn_line`] closes the torn line before the next append.
pub(crate) fn append_lines(file: &mut File, lines: &[u8]) -> io::Result<()> {
    let before = file.metadata()?.len();
    if let Err(e) = file.write_all(lines) {
        if file.set_len(before).is_err() {
            let _ = end_torn_line(file);
        }
        return Err(e);
    }
    Ok(())
}

/// fsyncs the directory holding `path`, which makes a create or rename in it durable.
fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// One unreadable spill line (a write torn by a crash or a full disk).
#[derive(Debug)]
pub(crate) struct CorruptLine {
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl ReplayCursor {
    pub(crate) fn open(path: &Path) -> io::Result<Self> {
        Ok(Self {
            reader: BufReader::new(File::open(path)?),
            pending: Vec::new(),
            line: 0,
        })
    }

    /// Fills `pending` with up to `max` records; returns the lines that did not parse.
    pub(crate) fn fill(&mut self, max: usize) -> io::Result<Vec<CorruptLine>> {
        let mut corrupt = Vec::new();
        // Bytes, not `read_line`: a line torn inside a multi-byte character is invalid
        // UTF-8, and `read_line` would fail on it every tick, stalling the replay for good.
        let mut buf = Vec::new();
        while self.pending.len() < max {
            buf.clear();
            if self.reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            self.line += 1;
            let complete = buf.last() == Some(&b'\n');
            let text = buf.trim_ascii();
            if text.is_empty() {
                continue;
            }
            match serde_json::from_slice::<LogRecord>(text) {
                Ok(record) => self.pending.push(record),
                Err(e) => corrupt.push(CorruptLine {
                    line: self.line,
                    message: if complete {
                        e.to_string()
                    } else {
                        format!("torn last line ({} bytes, no newline): {e}", text.len())
                    },
                }),
            }
        }
        Ok(corrupt)
    }
}

#[cfg(test)]
#[path = "spill_tests.rs"]
mod tests;
