//! The `driftless` command: build snapshots, serve them, and the one-command quickstart.
mod build_cmd;
mod corpus_cmd;
mod corpus_fetch;
mod corpus_get;
mod corpus_recipe;
mod data_dir;
mod embed_cmd;
mod eval_cmd;
mod eval_measures;
mod eval_run;
mod keys_cmd;
mod logs_cmd;
mod mcp_cmd;
mod quickstart;
mod quickstart_dense;
mod replay_cmd;
mod search_cmd;
mod serve_args;
mod serve_cmd;
mod serve_connections;
mod snapshot_cmd;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// mimalloc rather than glibc's malloc: a search allocates per token, per hit and per log
/// record from several threads, and glibc's arenas cost ~10% of a BM25 request's CPU
/// (profiled in benches/README.md). Allocation never changes an answer's bytes.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "driftless",
    version,
    about = "Reproducible search API for LLM search agents"
)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    /// ONNX Runtime library (libonnxruntime.so.1.31.1) for dense and hybrid search, for every
    /// command. Default: beside $DRIFTLESS_MODEL_DIR, else ~/.cache/driftless/models/onnxruntime/
    /// (where quickstart fetches it), else .cache/models/onnxruntime/. BM25 never needs it.
    #[arg(long, global = true, env = "DRIFTLESS_ORT_LIB", value_name = "LIB")]
    ort_library: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build a snapshot from a corpus (directory of HTML pages or a JSONL file).
    Build(build_cmd::BuildArgs),
    /// Embed a built snapshot's passages into an .npy (+ ids) for `build --vectors`, e.g. on
    /// a GPU machine (`--ort-provider cuda`).
    Embed(embed_cmd::EmbedArgs),
    /// Serve a snapshot over HTTP.
    Serve(serve_cmd::ServeArgs),
    /// Serve the MCP tools (search, fetch, get_document) on stdin/stdout, for desktop clients.
    Mcp(mcp_cmd::McpArgs),
    /// Fetch the default corpus (or `--corpus large`) if missing, build a snapshot, serve it on
    /// 127.0.0.1:8080.
    Quickstart(quickstart::QuickstartArgs),
    /// Run one search against a snapshot and print the JSON body (no server needed).
    Search(search_cmd::SearchArgs),
    /// Corpus tools.
    Corpus {
        #[command(subcommand)]
        command: CorpusCommand,
    },
    /// Evaluations: judged sets (`--topics … --qrels … --snapshot …`), ANN recall.
    Eval(eval_cmd::EvalArgs),
    /// Query logs: analyse, list sessions, annotate with an LLM, evaluate agents against
    /// judgements, export (JSONL, Parquet), import.
    Logs {
        #[command(subcommand)]
        command: logs_cmd::LogsCommand,
    },
    /// Re-issue logged sessions against a snapshot with another mode/unit/k and measure
    /// ranking overlap (Jaccard@k, RBO).
    Replay(replay_cmd::ReplayArgs),
    /// API keys for `serve --keys`: create one (stored hashed), hash one.
    Keys {
        #[command(subcommand)]
        command: keys_cmd::KeysCommand,
    },
    /// Snapshot packs: one reproducible file per snapshot, to hand to another lab or
    /// machine (`pack`, `verify`, `unpack`; `serve --snapshot <pack>` takes one directly).
    Snapshot {
        #[command(subcommand)]
        command: snapshot_cmd::SnapshotCommand,
    },
    /// Print the OpenAPI document of the HTTP API.
    Openapi,
}

#[derive(Debug, Subcommand)]
enum CorpusCommand {
    /// Write DIR/driftless-corpus.jsonl: every page's doc_id, canonical URL and flags.
    Describe {
        /// Corpus root directory.
        dir: PathBuf,
    },
    /// Derive TREC topics and qrels from the Sphinx indexes (genindex) in the corpus.
    JudgedSets(corpus_cmd::JudgedSetsArgs),
    /// Write the documents a build indexes as JSONL (`{id, contents, title, url}`), or with
    /// `--passages` the passages a snapshot serves (`{id, contents}`, as `/retrieve` returns them).
    ExportJsonl(corpus_cmd::ExportArgs),
    /// Fetch a standard collection (BEIR, MS MARCO passage, wiki-18, BrowseComp-Plus) by
    /// its recipe: download with resume, verify the pinned checksums, unpack, build, eval.
    Get(corpus_get::GetArgs),
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DRIFTLESS_LOG")
        // hnsw_rs logs every dump/reload step at info: a screenful per build and per start.
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,hnsw_rs=warn"));
    // Colour only on a terminal: escape codes in a log file or a CI capture are noise, and
    // NO_COLOR (no-color.org) turns them off on a terminal too.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The error and its causes joined by ": ", leaving out a cause whose text an outer message
/// already includes (several error types print their source inline, so `{:#}` repeated
/// "No such file or directory" twice).
fn error_message(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if text.is_empty() || message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log_format);
    if let Some(library) = cli.ort_library.clone() {
        driftless_index::set_ort_library(library);
    }
    let result = match cli.command {
        Command::Build(args) => build_cmd::run(&args).map(|_| ()),
        Command::Embed(args) => embed_cmd::run(&args),
        Command::Serve(args) => serve_cmd::run(&args),
        Command::Mcp(args) => mcp_cmd::run(&args),
        Command::Quickstart(args) => quickstart::run(&args),
        Command::Search(args) => search_cmd::search(&args),
        Command::Corpus {
            command: CorpusCommand::Describe { dir },
        } => corpus_cmd::describe(&dir),
        Command::Corpus {
            command: CorpusCommand::JudgedSets(args),
        } => corpus_cmd::judged_sets(&args),
        Command::Corpus {
            command: CorpusCommand::ExportJsonl(args),
        } => corpus_cmd::export_jsonl(&args),
        Command::Corpus {
            command: CorpusCommand::Get(args),
        } => corpus_get::run(&args),
        Command::Eval(args) => eval_cmd::run(&args),
        Command::Logs { command } => logs_cmd::run(&command),
        Command::Replay(args) => replay_cmd::run(&args),
        Command::Keys { command } => keys_cmd::run(&command),
        Command::Snapshot { command } => snapshot_cmd::run(&command),
        Command::Openapi => {
            print!("{}", driftless_server::openapi_yaml());
            Ok(())
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error_message(&error));
            std::process::ExitCode::FAILURE
        }
    }
}
