//! `driftless replay`: re-issue the logged queries of some sessions against a snapshot with
//! another mode / unit / k, in-process, and measure how much the rankings agree with what the
//! agent was shown (Jaccard@k and RBO_ext, see `driftless_querylog::overlap`).
//!
//! Only answered searches (status 200, with a query) are replayed; the logged `offset` is kept
//! so a second page is compared with a second page. Rankings are compared by document id at
//! depth `--k`: logs keep document ids only, so a passage-unit ranking counts each document
//! once, at its best passage.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use driftless_api::{Highlight, Mode, SearchRequest, Unit};
use driftless_index::{OpenOptions, Snapshot};
use driftless_ingest::{Phase, Progress};
use driftless_querylog::overlap::{DEFAULT_RBO_P, jaccard_at_k, rbo_ext};
use driftless_querylog::{LogRecord, Session, sessionize};

use crate::logs_cmd::{ClientDisplay, LogSelection};

mod report;

use report::{ReplayReport, ReplayedQuery, StepAverage, render};

/// Arguments of `driftless replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub selection: LogSelection,
    #[command(flatten)]
    pub display: ClientDisplay,
    /// Snapshot to replay against.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// Only these sessions (ids as `driftless logs sessions` prints them, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub sessions: Vec<String>,
    /// Only this client's sessions (as stored or as its hash).
    #[arg(long)]
    pub client: Option<String>,
    /// At most this many sessions (the earliest first).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Mode of the replay: bm25 | dense | dense_exact | hybrid (default: the snapshot's).
    #[arg(long, value_parser = str::parse::<Mode>)]
    pub mode: Option<Mode>,
    /// Unit of the replay: doc | passage.
    #[arg(long, default_value = "doc", value_parser = str::parse::<Unit>)]
    pub unit: Unit,
    /// Depth of the replay and of both metrics.
    #[arg(short, long, default_value_t = 10)]
    pub k: u32,
    /// BM25 k1 of the replay.
    #[arg(long)]
    pub k1: Option<f32>,
    /// BM25 b of the replay.
    #[arg(long)]
    pub b: Option<f32>,
    /// RBO persistence p (weight of depth d ∝ p^d).
    #[arg(long, default_value_t = DEFAULT_RBO_P)]
    pub rbo_p: f64,
    /// table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Per-query rows shown in table output (JSON has all).
    #[arg(long, default_value_t = 30)]
    pub max_rows: usize,
    /// Threads running searches (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
}

struct Job<'a> {
    session: String,
    step: usize,
    record: &'a LogRecord,
}

pub fn run(args: &ReplayArgs) -> Result<()> {
    if !(args.rbo_p > 0.0 && args.rbo_p < 1.0) {
        bail!("--rbo-p must be between 0 and 1 (exclusive), e.g. 0.9");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let records = runtime.block_on(args.selection.read())?;
    let sessions = select(args, sessionize(&records, args.selection.gap))?;
    let snapshot = Snapshot::open_with(&args.snapshot, &OpenOptions::default())
        .with_context(|| format!("opening snapshot {}", args.snapshot.display()))?;
    let report = replay(args, &snapshot, &sessions)?;
    let mut out = std::io::stdout().lock();
    if args.format == "json" {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        render(&report, args.max_rows, &mut out)?;
    }
    Ok(())
}

/// The sessions asked for, in session order.
fn select(args: &ReplayArgs, sessions: Vec<Session>) -> Result<Vec<Session>> {
    let d = &args.display;
    let mut chosen: Vec<Session> = sessions
        .into_iter()
        .filter(|s| {
            args.sessions.is_empty()
                || args
                    .sessions
                    .iter()
                    .any(|id| *id == s.id || *id == d.session_id(&s.id, &s.client))
        })
        .filter(|s| {
            args.client
                .as_ref()
                .is_none_or(|c| *c == s.client || *c == d.client(&s.client))
        })
        .collect();
    if let Some(limit) = args.limit {
        chosen.truncate(limit);
    }
    if chosen.is_empty() {
        bail!(
            "no session matches; list them with `driftless logs sessions --db …` (same --gap and --salt)"
        );
    }
    Ok(chosen)
}

fn replay(args: &ReplayArgs, snapshot: &Snapshot, sessions: &[Session]) -> Result<ReplayReport> {
    let (mut jobs, mut skipped) = (Vec::new(), 0);
    for session in sessions {
        let shown = args.display.session_id(&session.id, &session.client);
        let queries = session.records.iter().filter(|r| r.query.is_some());
        for (i, record) in queries.enumerate() {
            if record.status == 200 {
                jobs.push(Job {
                    session: shown.clone(),
                    step: i + 1,
                    record,
                });
            } else {
                skipped += 1;
            }
        }
    }
    let started = Instant::now();
    let rows = run_jobs(args, snapshot, &jobs)?;
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(queries = rows.len(), seconds, "replay done");
    let mean = |f: fn(&ReplayedQuery) -> f64, rows: &[&ReplayedQuery]| {
        (!rows.is_empty()).then(|| rows.iter().map(|r| f(r)).sum::<f64>() / rows.len() as f64)
    };
    let mut steps: BTreeMap<usize, Vec<&ReplayedQuery>> = BTreeMap::new();
    for row in &rows {
        steps.entry(row.step).or_default().push(row);
    }
    let all: Vec<&ReplayedQuery> = rows.iter().collect();
    Ok(ReplayReport {
        snapshot: snapshot.id().to_string(),
        mode: args.mode.unwrap_or_else(|| snapshot.default_mode()),
        unit: args.unit,
        k: args.k,
        rbo_p: args.rbo_p,
        sessions: sessions.len(),
        queries: rows.len(),
        skipped,
        mean_jaccard: mean(|r| r.jaccard, &all),
        mean_rbo: mean(|r| r.rbo, &all),
        seconds,
        queries_per_second: rows.len() as f64 / seconds.max(1e-9),
        by_step: steps
            .iter()
            .map(|(step, rows)| StepAverage {
                step: *step,
                queries: rows.len() as u64,
                mean_jaccard: mean(|r| r.jaccard, rows).unwrap_or(0.0),
                mean_rbo: mean(|r| r.rbo, rows).unwrap_or(0.0),
            })
            .collect(),
        rows,
    })
}

/// Runs the searches on `workers` threads; results come back in job order. The first
/// engine error stops the replay (it is a setting that fails for every query, such as a dense
/// mode on a BM25-only snapshot, far more often than one bad query: those were logged 4xx).
fn run_jobs(
    args: &ReplayArgs,
    snapshot: &Snapshot,
    jobs: &[Job<'_>],
) -> Result<Vec<ReplayedQuery>> {
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<ReplayedQuery>> = vec![None; jobs.len()];
    let mut phase = Phase::start(Progress::Auto, "replaying", Some(jobs.len() as u64));
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..workers {
            let (tx, next) = (tx.clone(), &next);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    if tx.send((i, replay_one(args, snapshot, job))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (i, outcome) in rx {
            match outcome {
                Ok(row) => slots[i] = Some(row),
                Err(error) => {
                    // Stop the other workers: they see an index past the end.
                    next.store(jobs.len(), Ordering::Relaxed);
                    return Err(error);
                }
            }
            phase.inc(1);
        }
        Ok(())
    })?;
    phase.finish();
    Ok(slots.into_iter().flatten().collect())
}

fn replay_one(args: &ReplayArgs, snapshot: &Snapshot, job: &Job<'_>) -> Result<ReplayedQuery> {
    let query = job.record.query.clone().unwrap_or_default();
    let offset = job
        .record
        .params
        .get("offset")
        .and_then(serde_json::Value::as_u64);
    let request = SearchRequest {
        q: query.clone(),
        k: args.k,
        offset: offset.and_then(|o| u32::try_from(o).ok()).unwrap_or(0),
        mode: args.mode,
        unit: args.unit,
        k1: args.k1,
        b: args.b,
        // Added with SearchRequest.fusion_k (issue 6): replays use the snapshot's RRF k.
        fusion_k: None,
        highlight: Highlight::None,
        explain: false,
    };
    let response = snapshot.search(&request).with_context(|| {
        format!(
            "replaying {query:?} (session {}, step {})",
            job.session, job.step
        )
    })?;
    // Compare at the shallower of the two rankings (report.rs, `depth`): the logged k, or
    // the number of logged results for records that carry no k.
    let logged_k = job.record.k().map_or(job.record.results.len(), |k| {
        usize::try_from(k).unwrap_or(usize::MAX)
    });
    let depth = (args.k as usize).min(logged_k);
    let logged: Vec<String> = job
        .record
        .results
        .iter()
        .map(|r| r.doc_id.clone())
        .collect();
    let replayed: Vec<String> = response.results.into_iter().map(|h| h.doc_id).collect();
    // Both lists cut at the same depth after removing repeated documents.
    let cut = |ids: &[String]| -> Vec<String> {
        driftless_querylog::overlap::dedup_ranked(ids)
            .into_iter()
            .take(depth)
            .map(str::to_string)
            .collect()
    };
    let (logged, replayed) = (cut(&logged), cut(&replayed));
    Ok(ReplayedQuery {
        session: job.session.clone(),
        step: job.step,
        depth,
        jaccard: jaccard_at_k(&logged, &replayed, depth),
        rbo: rbo_ext(&logged, &replayed, args.rbo_p),
        query,
        logged,
        replayed,
    })
}
