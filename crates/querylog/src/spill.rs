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
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
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
            active.file = Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)?,
            );
        }
        let Some(file) = active.file.as_mut() else {
            return Err(io::Error::other("spill file not open"));
        };
        for record in records {
            let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
            line.push(b'\n');
            file.write_all(&line)?;
        }
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
                Ok(f) => BufReader::new(f)
                    .lines()
                    .map_while(Result::ok)
                    .filter(|l| !l.trim().is_empty())
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

/// One unreadable spill line (a write torn by a crash).
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
        let mut buf = String::new();
        while self.pending.len() < max {
            buf.clear();
            if self.reader.read_line(&mut buf)? == 0 {
                break;
            }
            self.line += 1;
            let text = buf.trim();
            if text.is_empty() {
                continue;
            }
            match serde_json::from_str::<LogRecord>(text) {
                Ok(record) => self.pending.push(record),
                Err(e) => corrupt.push(CorruptLine {
                    line: self.line,
                    message: e.to_string(),
                }),
            }
        }
        Ok(corrupt)
    }
}
