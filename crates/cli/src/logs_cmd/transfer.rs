//! `driftless logs export` and `driftless logs import`.
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use driftless_ingest::{Phase, Progress};
use driftless_querylog::{
    ColumnMap, ImportFormat, JsonlExport, LogRecord, ParquetExport, import_each,
};

use super::{LogSelection, open_store, shown};

/// Arguments of `driftless logs export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub selection: LogSelection,
    /// File to write (replaced if it exists).
    #[arg(long)]
    pub out: PathBuf,
    /// jsonl or parquet (default: parquet when --out ends in .parquet, else jsonl).
    #[arg(long, value_parser = ["jsonl", "parquet"])]
    pub format: Option<String>,
    /// Salt of the client hash, sha256(salt ‖ client). Keep it secret and the same for every
    /// export of one dataset so a client keeps one hash.
    #[arg(long, env = "DRIFTLESS_LOG_SALT", hide_env_values = true)]
    pub salt: Option<String>,
}

pub async fn export(args: &ExportArgs) -> Result<()> {
    let Some(salt) = args.salt.as_deref().filter(|s| !s.is_empty()) else {
        bail!(
            "an export needs a salt for the client hashes: pass --salt or set DRIFTLESS_LOG_SALT \
             (without one, a hashed IP address can be reversed by trying all addresses)"
        );
    };
    let parquet = match args.format.as_deref() {
        Some(format) => format == "parquet",
        None => args.out.extension().is_some_and(|e| e == "parquet"),
    };
    let started = Instant::now();
    // Written next to the target and renamed at the end: a failed export leaves no half file.
    let partial = args.out.with_extension("partial");
    let file = File::create(&partial).with_context(|| {
        format!(
            "cannot create {}; does its directory exist?",
            partial.display()
        )
    })?;
    // Records stream from the store into the file: memory holds one Parquet row group at
    // most, whatever the size of the log.
    let file = BufWriter::new(file);
    let written = if parquet {
        let mut export = ParquetExport::new(file, salt)?;
        let streamed = args.selection.for_each(&mut |r| export.push(r)).await;
        streamed.and_then(|()| Ok(export.finish()?))
    } else {
        let mut export = JsonlExport::new(file, salt);
        let streamed = args.selection.for_each(&mut |r| export.push(&r)).await;
        streamed.and_then(|()| Ok(export.finish()?))
    };
    let rows = match written {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("renaming {} to {}", partial.display(), args.out.display()))?;
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    let bytes = std::fs::metadata(&args.out).map_or(0, |m| m.len());
    eprintln!(
        "exported {rows} records to {} ({}, {:.2} MB) in {:.3} s ({:.0} rows/s); clients are salted hashes",
        args.out.display(),
        if parquet { "parquet" } else { "jsonl" },
        bytes as f64 / 1e6,
        seconds,
        rows as f64 / seconds
    );
    Ok(())
}

/// Arguments of `driftless logs import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Store to import into: an SQLite file (created if missing) or a postgres:// URL.
    #[arg(long, env = "DRIFTLESS_LOG_DB")]
    pub db: String,
    /// The log: our JSONL export, or a public log as JSONL, TSV or CSV (header line first);
    /// `-` reads standard input.
    #[arg(long = "in")]
    pub input: PathBuf,
    /// auto (by extension: .tsv/.txt tsv, .csv csv, else jsonl), jsonl, tsv or csv.
    #[arg(long, default_value = "auto", value_parser = ["auto", "jsonl", "tsv", "csv"])]
    pub format: String,
    /// Column names of a public log, e.g. query=Query,ts=QueryTime,client=AnonID
    /// (fields: query, ts, client, session).
    #[arg(long)]
    pub map: Option<ColumnMap>,
    /// Records per store transaction.
    #[arg(long, default_value_t = 5_000)]
    pub batch: usize,
}

fn format_of(path: &Path, format: &str) -> ImportFormat {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match (format, ext) {
        ("tsv", _) | ("auto", "tsv" | "txt") => ImportFormat::Tsv,
        ("csv", _) | ("auto", "csv") => ImportFormat::Csv,
        _ => ImportFormat::Jsonl,
    }
}

pub async fn import(args: &ImportArgs) -> Result<()> {
    let reader: Box<dyn std::io::BufRead + Send> = if args.input.as_os_str() == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let file = File::open(&args.input)
            .with_context(|| format!("cannot read {}", args.input.display()))?;
        Box::new(BufReader::new(file))
    };
    let format = format_of(&args.input, &args.format);
    let map = args.map.clone().unwrap_or_default();
    let store = open_store(&args.db, true).await?;
    // A thread parses while this task writes: the log streams through in batches and is
    // never held whole (public logs run to tens of millions of lines).
    let batch_size = args.batch.max(1);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<LogRecord>>(4);
    let parser = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(batch_size);
        let report = import_each(reader, format, &map, &mut |record| {
            batch.push(record);
            if batch.len() == batch_size && tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                return Err(driftless_querylog::QueryLogError::Import {
                    line: 0,
                    message: "the store writer stopped".into(),
                });
            }
            Ok(())
        });
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        report
    });
    let mut phase = Phase::start(Progress::Auto, "importing", None);
    let (mut new, mut read) = (0u64, 0u64);
    let mut failed = None;
    while let Some(batch) = rx.recv().await {
        match store.insert_batch(&batch).await {
            Ok(n) => new += n,
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
        read += batch.len() as u64;
        phase.inc(batch.len() as u64);
    }
    drop(rx);
    phase.finish();
    store.close().await;
    let report = parser
        .join()
        .map_err(|_| anyhow::anyhow!("the import parser panicked"))?;
    if let Some(e) = failed {
        return Err(e).with_context(|| format!("writing to {}", shown(&args.db)));
    }
    let report = report.with_context(|| format!("reading {}", args.input.display()))?;
    for issue in report.issues.iter().take(10) {
        eprintln!("skipped line {}: {}", issue.line, issue.message);
    }
    if report.bad > 10 {
        eprintln!("… {} bad lines in all", report.bad);
    }
    if read == 0 && report.bad > 0 {
        bail!(
            "no line of {} could be imported ({} bad); if it is a public log, name its columns \
             with --map query=…,ts=…,client=…",
            args.input.display(),
            report.bad
        );
    }
    let summary = serde_json::json!({
        "lines": report.lines, "imported": new,
        "already_stored": read - new,
        "bad": report.bad, "issues": report.issues,
    });
    eprintln!(
        "imported {new} new records from {} ({} lines, {} already stored, {} bad lines skipped)",
        args.input.display(),
        report.lines,
        read - new,
        report.bad
    );
    println!("{summary}");
    Ok(())
}
