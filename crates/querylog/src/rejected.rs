//! The rejected file: records the store refused as data (see
//! [`crate::QueryLogError::is_data_error`]), one JSON object per line, kept beside the spill
//! file so that one poisonous record neither blocks the writer nor is silently lost.
//!
//! Each line is the record exactly as captured plus a `rejected` object with the store's
//! reason and the time of the refusal. Unknown fields are ignored by the importer, so after
//! fixing whatever the store objected to, `driftless logs import --in <file>` stores them.
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::record::LogRecord;

/// The rejected file of `spill`: `x.spill.jsonl` → `x.rejected.jsonl`, anything else →
/// `<spill>.rejected.jsonl`, in the same directory.
pub(crate) fn rejected_path_for(spill: &Path) -> PathBuf {
    let name = spill
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rejected = match name.strip_suffix(".spill.jsonl") {
        Some(stem) => format!("{stem}.rejected.jsonl"),
        None => format!("{name}.rejected.jsonl"),
    };
    spill.with_file_name(rejected)
}

/// Append side of the rejected file, opened on the first rejection (no empty file around
/// when nothing was ever refused).
#[derive(Debug)]
pub(crate) struct Rejected {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

impl Rejected {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            file: Mutex::new(None),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` with `reason` and syncs: rejections are rare, and this file is the
    /// only copy of the record.
    pub(crate) fn append(&self, record: &LogRecord, reason: &str) -> io::Result<()> {
        let mut line = match serde_json::to_value(record).map_err(io::Error::other)? {
            Value::Object(map) => map,
            _ => return Err(io::Error::other("a record serialises to an object")),
        };
        let at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        line.insert(
            "rejected".into(),
            json!({ "reason": reason, "at_ms": at_ms }),
        );
        let mut bytes = serde_json::to_vec(&line).map_err(io::Error::other)?;
        bytes.push(b'\n');
        let mut guard = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.is_none() {
            *guard = Some(crate::spill::open_append(&self.path)?);
        }
        let Some(file) = guard.as_mut() else {
            return Err(io::Error::other("rejected file not open"));
        };
        crate::spill::append_lines(file, &bytes)?;
        file.sync_data()
    }
}

/// Reads a rejected file back: each line's record and reason (for tests and tools).
pub fn read_rejected(path: &Path) -> crate::Result<Vec<(LogRecord, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| crate::QueryLogError::io(path, e))?;
    let mut out = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = |message: String| crate::QueryLogError::Import {
            line: n + 1,
            message,
        };
        let mut value: Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let reason = value
            .get("rejected")
            .and_then(|r| r.get("reason"))
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no rejected.reason".into()))?
            .to_string();
        if let Some(map) = value.as_object_mut() {
            map.remove("rejected");
        }
        let record = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        out.push((record, reason));
    }
    Ok(out)
}
