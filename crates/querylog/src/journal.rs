//! The crash journal: every recorded request is one `write(2)` to a local file before it is
//! queued, so a server killed with SIGKILL (an OOM kill, a failed health check, an operator)
//! loses none of the requests it answered. Without it, the up to `flush_interval` of records
//! waiting in the channel or the writer's batch die with the process.
//!
//! Segments `<spill>.journal.<n>` receive the records in the order they enter the channel
//! (append and enqueue happen under one lock). The writer confirms records once they are
//! stored, spilled or rejected — all durable — in that same order; a segment is deleted once
//! it is full and every record in it is confirmed. The next `Capture::start` with the same
//! spill path moves any segment left behind into the spill file, whose replay stores them
//! (the store's `log_id` key drops those a killed process had already stored).
//!
//! Like the spill file, the journal survives the death of the process, not of the machine:
//! it is never fsynced on the request path.
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::record::LogRecord;

/// Records per segment: big enough that rotation is rare, small enough that a confirmed
/// segment is deleted within seconds on a busy server.
const SEGMENT_RECORDS: u64 = 8192;

#[derive(Debug)]
struct Segment {
    number: u64,
    appended: u64,
    confirmed: u64,
}

#[derive(Debug)]
struct State {
    file: File,
    /// Open segments, oldest first; the last is the one appended to.
    segments: VecDeque<Segment>,
    /// Records in the channel, as (segment number, run length), oldest first.
    queued: VecDeque<(u64, u64)>,
}

/// The journal of one capture.
#[derive(Debug)]
pub(crate) struct Journal {
    prefix: PathBuf,
    state: Mutex<State>,
}

fn segment_path(prefix: &Path, number: u64) -> PathBuf {
    let mut path = prefix.as_os_str().to_os_string();
    path.push(format!(".{number}"));
    PathBuf::from(path)
}

fn create(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Segments a previous process left, oldest first.
fn leftovers(prefix: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let dir = match prefix.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let stem = prefix
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let number = name
            .strip_prefix(&stem)
            .and_then(|rest| rest.strip_prefix('.'));
        if let Some(number) = number.and_then(|n| n.parse::<u64>().ok()) {
            found.push((number, dir.join(&name)));
        }
    }
    found.sort();
    Ok(found)
}

/// A leftover segment's records; a torn last line (killed mid-write) counts as unreadable.
pub(crate) fn read_segment(path: &Path) -> io::Result<(Vec<LogRecord>, u64)> {
    let mut records = Vec::new();
    let mut unreadable = 0;
    for line in BufReader::new(File::open(path)?).split(b'\n') {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice(&line) {
            Ok(record) => records.push(record),
            Err(_) => unreadable += 1,
        }
    }
    Ok((records, unreadable))
}

impl Journal {
    /// Opens a fresh segment after those a previous process left; returns the journal and
    /// the leftover segments, which the caller moves to the spill file and then deletes.
    pub(crate) fn open(spill_path: &Path) -> io::Result<(Self, Vec<PathBuf>)> {
        let mut prefix = spill_path.as_os_str().to_os_string();
        prefix.push(".journal");
        let prefix = PathBuf::from(prefix);
        let left = leftovers(&prefix)?;
        let number = left.last().map_or(0, |(n, _)| n + 1);
        let file = create(&segment_path(&prefix, number))?;
        let state = State {
            file,
            segments: VecDeque::from([Segment {
                number,
                appended: 0,
                confirmed: 0,
            }]),
            queued: VecDeque::new(),
        };
        let journal = Self {
            prefix,
            state: Mutex::new(state),
        };
        Ok((journal, left.into_iter().map(|(_, path)| path).collect()))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends `line` (one JSON record and its newline) in one `write(2)`, then runs
    /// `enqueue` under the same lock; `enqueue` says whether the record entered the channel
    /// (else it was spilled, which is as durable, and is confirmed at once). `enqueue` runs
    /// and is counted even when the write fails, so the channel and the journal's runs keep
    /// one order (that record is simply not in the file); the write's error is returned.
    pub(crate) fn append(&self, line: &[u8], enqueue: impl FnOnce() -> bool) -> io::Result<()> {
        let mut state = self.lock();
        let mut written = Ok(());
        if state
            .segments
            .back()
            .is_some_and(|s| s.appended >= SEGMENT_RECORDS)
        {
            written = self.rotate(&mut state);
        }
        if written.is_ok() {
            written = state.file.write_all(line);
        }
        let queued = enqueue();
        let Some(segment) = state.segments.back_mut() else {
            return written;
        };
        segment.appended += 1;
        let number = segment.number;
        if queued {
            match state.queued.back_mut() {
                Some((n, run)) if *n == number => *run += 1,
                _ => state.queued.push_back((number, 1)),
            }
        } else {
            segment.confirmed += 1;
        }
        written
    }

    fn rotate(&self, state: &mut State) -> io::Result<()> {
        let number = state.segments.back().map_or(0, |s| s.number + 1);
        state.file = create(&segment_path(&self.prefix, number))?;
        state.segments.push_back(Segment {
            number,
            appended: 0,
            confirmed: 0,
        });
        self.delete_confirmed(state);
        Ok(())
    }

    /// The writer took `n` records off the channel and made them durable.
    pub(crate) fn confirm(&self, mut n: u64) {
        let mut state = self.lock();
        while n > 0 {
            let Some((number, run)) = state.queued.front_mut() else {
                break;
            };
            let take = n.min(*run);
            *run -= take;
            n -= take;
            let number = *number;
            if *run == 0 {
                state.queued.pop_front();
            }
            if let Some(segment) = state.segments.iter_mut().find(|s| s.number == number) {
                segment.confirmed += take;
            }
        }
        self.delete_confirmed(&mut state);
    }

    /// Deletes full segments whose records are all confirmed (never the one appended to).
    fn delete_confirmed(&self, state: &mut State) {
        while state.segments.len() > 1
            && state
                .segments
                .front()
                .is_some_and(|s| s.confirmed >= s.appended)
        {
            if let Some(segment) = state.segments.pop_front() {
                let path = segment_path(&self.prefix, segment.number);
                if let Err(e) = std::fs::remove_file(&path) {
                    tracing::warn!(path = %path.display(), error = %e, "cannot delete a confirmed journal segment");
                }
            }
        }
    }

    /// At a clean shutdown, after the writer confirmed everything: removes every segment
    /// whose records are all durable elsewhere.
    pub(crate) fn close(&self) {
        let mut state = self.lock();
        if state.segments.iter().all(|s| s.confirmed >= s.appended) {
            for segment in std::mem::take(&mut state.segments) {
                let _ = std::fs::remove_file(segment_path(&self.prefix, segment.number));
            }
        }
    }
}
