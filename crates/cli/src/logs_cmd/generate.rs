//! `driftless logs generate`: a **synthetic** query log with agent-like session shapes, for
//! benchmarking the log pipeline at the scale of "Agentic Search in the Wild" (14.44M
//! requests, 3.97M sessions). It is not real traffic and says so in every record
//! (`snapshot_id` = `synthetic`).
//!
//! Shapes (seeded, the same file for the same arguments on any machine):
//! - a session has 1 + ⌊Exp(mean 2.3)⌋ search steps (at most 15: most sessions are short, a
//!   few run long, as in the paper), and after each search a fetch with probability 0.3;
//!   about 3.7 requests per session (the paper's log: 3.64);
//! - step n+1 follows step n by 2–40 s (a fetch 0.5–5 s after its search); sessions start
//!   at a steady rate over the log's time span, so thousands run concurrently;
//! - one client per 20 sessions, `x-session-id` on half of the sessions (the other half
//!   must be found by the inactivity gap, and a client's overlapping sessions merge);
//! - queries of 2–5 words from a 5,000-word vocabulary; later steps specialise (add a
//!   word, 30%), repeat (10%), rewrite a word (30%) or change topic (30%);
//! - 10 results per search, documents drawn with a skew towards popular ones from
//!   200,000; a document always shows the same title (4 words) and snippet (20 words), so
//!   evidence repeats across sessions as it does for a real engine;
//! - requests come out in time order, as a server appends them to its log (each session
//!   draws from its own seeded stream, so the interleaving changes no session's content).
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::Write;

use driftless_rng::XorShift64Star as Rng;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use driftless_querylog::{LogRecord, LoggedResult};

/// Arguments of `driftless logs generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Requests to write.
    #[arg(long)]
    pub requests: u64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Output JSONL file (`-`: standard output, e.g. piped into `logs import --in -`).
    #[arg(long, default_value = "-")]
    pub out: PathBuf,
    /// Average time between session starts, milliseconds (with ~3.7 requests per session
    /// and steps 2–40 s apart, 600 ms keeps about 10,000 sessions running at once).
    #[arg(long, default_value_t = 600)]
    pub session_every_ms: u64,
}

const VOCAB: u64 = 5_000;
const DOCS: u64 = 200_000;
const START_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/// The generator of the synthetic log (driftless-rng: the same numbers on every machine),
/// with the one draw this file needs beyond it.
trait Draws {
    fn range(&mut self, lo: u64, hi: u64) -> u64;
}

impl Draws for Rng {
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
}

fn word(i: u64) -> String {
    format!("w{i}")
}

/// Words derived from a document id: the same document always shows the same text.
fn doc_words(doc: u64, salt: u64, n: usize) -> String {
    let mut rng = Rng::from_state(doc.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt | 1);
    (0..n)
        .map(|_| word(rng.below(VOCAB)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn next_query(rng: &mut Rng, step: usize, query: &mut Vec<u64>) {
    let r = rng.unit_f64();
    if step == 0 || r >= 0.7 {
        *query = (0..rng.range(2, 5)).map(|_| rng.below(VOCAB)).collect();
    } else if r < 0.3 {
        query.push(rng.below(VOCAB));
    } else if r >= 0.4
        && let Some(last) = query.last_mut()
    {
        *last = rng.below(VOCAB);
    }
}

/// One session of the generator: its own seeded stream, so a session's content does not
/// depend on how it interleaves with the others.
struct SessionGen {
    rng: Rng,
    client: String,
    hint: Option<String>,
    searches_left: u64,
    step: usize,
    query: Vec<u64>,
    /// The document of the fetch that comes next, when one does.
    fetch: Option<u64>,
}

impl SessionGen {
    /// Session `number` and the time of its first search.
    fn start(seed: u64, number: u64, every_ms: u64) -> (Self, i64) {
        let mut rng = Rng::from_state(
            (seed ^ number.wrapping_mul(0xD1B5_4A32_D192_ED03)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                | 1,
        );
        let searches = (1 + (-2.3 * (1.0 - rng.unit_f64()).ln()) as u64).min(15);
        let t = START_MS + (number * every_ms) as i64 + rng.below(every_ms * 2) as i64;
        let session = Self {
            rng,
            client: format!("c{}", number / 20),
            hint: (number % 2 == 1).then(|| format!("s{number}")),
            searches_left: searches,
            step: 0,
            query: Vec::new(),
            fetch: None,
        };
        (session, t)
    }

    /// The session's next request at `t`, and when the one after it comes (`None`: the
    /// session is over).
    fn next(&mut self, t: i64, serial: u64) -> (LogRecord, Option<i64>) {
        let mut record = LogRecord {
            session_hint: self.hint.clone(),
            snapshot_id: "synthetic".into(),
            log_id: format!("l{serial}"),
            ..LogRecord::new(t, self.client.clone(), "/v1/search", format!("r{serial}"))
        };
        if let Some(doc) = self.fetch.take() {
            let doc = format!("d{doc}");
            record.endpoint = "/v1/fetch".into();
            record.params = serde_json::json!({"doc_id": doc, "offset": 0});
            record.fetched_doc_id = Some(doc);
            record.latency_us = self.rng.range(100, 2_000);
            return (record, self.after_step(t));
        }
        next_query(&mut self.rng, self.step, &mut self.query);
        self.step += 1;
        self.searches_left -= 1;
        let docs: Vec<u64> = (0..10)
            .map(|_| (self.rng.unit_f64().powi(3) * DOCS as f64) as u64)
            .collect();
        record.results = docs
            .iter()
            .enumerate()
            .map(|(i, &d)| LoggedResult {
                doc_id: format!("d{d}"),
                score: ((10.0 - i as f64 * 0.5) * 1e4).round() / 1e4,
                title: doc_words(d, 1, 4),
                snippet: doc_words(d, 2, 20),
                span: None,
            })
            .collect();
        record.query = Some(
            self.query
                .iter()
                .map(|&w| word(w))
                .collect::<Vec<_>>()
                .join(" "),
        );
        record.params = serde_json::json!({"k": 10, "mode": "bm25"});
        record.latency_us = self.rng.range(300, 20_000);
        if self.rng.unit_f64() < 0.3 {
            self.fetch = Some(docs[0]);
            return (record, Some(t + self.rng.range(500, 5_000) as i64));
        }
        (record, self.after_step(t))
    }

    fn after_step(&mut self, t: i64) -> Option<i64> {
        (self.searches_left > 0).then(|| t + self.rng.range(2_000, 40_000) as i64)
    }
}

pub fn run(args: &GenerateArgs) -> Result<()> {
    let out: Box<dyn Write> = if args.out.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        let file = std::fs::File::create(&args.out)
            .with_context(|| format!("cannot write {}", args.out.display()))?;
        Box::new(file)
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let every = args.session_every_ms.max(1);
    // Requests come out in time order, as a server writes its log: the sessions in
    // progress wait in a heap keyed by (time of their next request, session number).
    let mut running: HashMap<u64, SessionGen> = HashMap::new();
    let mut due: BinaryHeap<Reverse<(i64, u64)>> = BinaryHeap::new();
    let (mut written, mut started) = (0u64, 0u64);
    while written < args.requests {
        // Session n never starts before START + n·every, so every session that could
        // come before the earliest pending request is started first.
        let earliest = START_MS + ((started + 1) * every) as i64;
        if due.peek().is_none_or(|Reverse((t, _))| earliest <= *t) {
            started += 1;
            let (session, t) = SessionGen::start(args.seed, started, every);
            due.push(Reverse((t, started)));
            running.insert(started, session);
            continue;
        }
        let Some(Reverse((t, number))) = due.pop() else {
            break;
        };
        let Some(session) = running.get_mut(&number) else {
            continue;
        };
        let (record, next) = session.next(t, written);
        write_record(&mut out, &record)?;
        written += 1;
        match next {
            Some(at) => due.push(Reverse((at, number))),
            None => {
                running.remove(&number);
            }
        }
    }
    out.flush()?;
    eprintln!("generated {written} synthetic requests in {started} sessions");
    Ok(())
}

fn write_record(out: &mut impl Write, record: &LogRecord) -> Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    out.write_all(b"\n")?;
    Ok(())
}
