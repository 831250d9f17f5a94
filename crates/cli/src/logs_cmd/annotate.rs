//! `driftless logs annotate`: session intents and reformulation types labelled by an LLM
//! behind any OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama, a hosted API), at
//! temperature 0, with every label cached in the log store, so a rerun asks nothing.
use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result, bail};
use clap::Args;
use driftless_querylog::annotate::{PROMPT, PROMPT_VERSION, Task, tasks};
use driftless_querylog::{CachedLabel, LogStore};
use serde::Serialize;
use serde_json::json;

use super::{LogSelection, open_store};

/// Arguments of `driftless logs annotate`.
#[derive(Debug, Args)]
pub struct AnnotateArgs {
    #[command(flatten)]
    pub selection: LogSelection,
    /// Base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1 (requests go to
    /// `<endpoint>/chat/completions`).
    #[arg(long)]
    pub endpoint: String,
    /// Model name sent with every request (part of the cache key).
    #[arg(long)]
    pub model: String,
    /// Environment variable holding the API key, sent as a bearer token when set.
    #[arg(long, default_value = "OPENAI_API_KEY")]
    pub api_key_env: String,
    /// Seconds one request may take.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// Requests in flight at once (labels do not depend on it).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
}

/// What one run did, and the labels by task.
#[derive(Debug, Serialize)]
struct AnnotateReport {
    prompt_version: &'static str,
    model: String,
    tasks: u64,
    requests: u64,
    cache_hits: u64,
    /// Answers that were not one of the task's labels (not cached: a rerun asks again).
    unparsed: u64,
    intents: BTreeMap<String, u64>,
    reformulations: BTreeMap<String, u64>,
}

/// Where and as whom to ask: shared by the concurrent requests.
struct Endpoint {
    client: reqwest::Client,
    url: String,
    model: String,
    key: Option<String>,
}

pub async fn run(args: &AnnotateArgs) -> Result<()> {
    // Sessions stream from the store; only their tasks (the queries, no results) are kept,
    // in `sessionize`'s order so requests go out in the same order on every run.
    let mut by_session: Vec<(i64, String, Vec<Task>)> = Vec::new();
    args.selection
        .for_each_session(&mut |s| {
            let (start, id) = (s.start_ms, s.id.clone());
            let trajectories = driftless_querylog::analysis::trajectories(vec![s]);
            by_session.push((start, id, tasks(&trajectories)));
            Ok(())
        })
        .await?;
    by_session.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let store = open_store(&args.selection.db, false).await?;
    let endpoint = std::sync::Arc::new(Endpoint {
        client: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(args.timeout))
            .build()?,
        url: format!("{}/chat/completions", args.endpoint.trim_end_matches('/')),
        model: args.model.clone(),
        key: std::env::var(&args.api_key_env)
            .ok()
            .filter(|k| !k.is_empty()),
    });
    let all: Vec<Task> = by_session.into_iter().flat_map(|(_, _, t)| t).collect();
    let mut labels: Vec<Option<String>> = vec![None; all.len()];
    let mut pending = Vec::new();
    let mut report = AnnotateReport {
        prompt_version: PROMPT_VERSION,
        model: args.model.clone(),
        tasks: all.len() as u64,
        requests: 0,
        cache_hits: 0,
        unparsed: 0,
        intents: BTreeMap::new(),
        reformulations: BTreeMap::new(),
    };
    let cached = store.cached_labels(&args.model).await?;
    for (i, task) in all.iter().enumerate() {
        match cached.get(&task.cache_key(&args.model)) {
            Some(label) => {
                report.cache_hits += 1;
                labels[i] = Some(label.clone());
            }
            None => pending.push(i),
        }
    }
    drop(cached);
    let (saves, writer) = label_writer(store.clone(), args.model.clone());
    // Up to --concurrency requests in flight: a batching server (vLLM) is kept busy, so
    // the endpoint, not this loop, sets the pace.
    let mut queue = pending.into_iter();
    let mut flying = tokio::task::JoinSet::new();
    loop {
        while flying.len() < args.concurrency.max(1) {
            let Some(i) = queue.next() else { break };
            let (endpoint, task) = (std::sync::Arc::clone(&endpoint), all[i].clone());
            flying.spawn(async move { (i, ask(&endpoint, &task).await) });
        }
        let Some(done) = flying.join_next().await else {
            break;
        };
        let (i, answer) = done?;
        report.requests += 1;
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => {
                // Labels already answered are still cached before the error is reported, so
                // the next run does not ask for them again.
                drop(saves);
                writer.await??;
                return Err(e);
            }
        };
        if let Some(label) = all[i].parse(&answer) {
            let saved = (
                all[i].cache_key(&args.model),
                all[i].kind,
                label.to_string(),
            );
            if saves.send(saved).await.is_err() {
                break; // the writer stopped on an error, which its join below returns
            }
            labels[i] = Some(label.to_string());
        }
    }
    drop(saves);
    writer.await??;
    for (task, label) in all.iter().zip(labels) {
        let counts = if task.kind == "intent" {
            &mut report.intents
        } else {
            &mut report.reformulations
        };
        match label {
            Some(label) => *counts.entry(label).or_default() += 1,
            None => report.unparsed += 1,
        }
    }
    store.close().await;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    Ok(())
}

/// A label to cache: the task's cache key, its kind and the label.
type Saved = (String, &'static str, String);

/// Caches labels on a task of its own, one transaction per batch of the answers waiting:
/// one commit (one sync of the SQLite file) per batch instead of per label, and no request
/// waits for the disk. A label-per-commit loop held annotation to ~120-160 requests/s
/// whatever the endpoint's speed (benches/annotate.py).
fn label_writer(
    store: LogStore,
    model: String,
) -> (
    tokio::sync::mpsc::Sender<Saved>,
    tokio::task::JoinHandle<Result<()>>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Saved>(1024);
    let writer = tokio::spawn(async move {
        let mut batch = Vec::new();
        while rx.recv_many(&mut batch, 512).await > 0 {
            let now = driftless_querylog::now_ms();
            let entries: Vec<CachedLabel<'_>> = batch
                .iter()
                .map(|(key, task, label)| CachedLabel {
                    cache_key: key,
                    prompt_version: PROMPT_VERSION,
                    model: &model,
                    task,
                    label,
                })
                .collect();
            store.cache_labels(&entries, now).await?;
            batch.clear();
        }
        Ok(())
    });
    (tx, writer)
}

/// One chat completion at temperature 0; the answer's text.
async fn ask(endpoint: &Endpoint, task: &Task) -> Result<String> {
    let url = &endpoint.url;
    let body = json!({
        "model": endpoint.model,
        "temperature": 0,
        "max_tokens": 16,
        "messages": [
            {"role": "system", "content": PROMPT},
            {"role": "user", "content": task.input},
        ],
    });
    let mut request = endpoint.client.post(url).json(&body);
    if let Some(key) = &endpoint.key {
        request = request.bearer_auth(key);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("cannot reach {url}; is the endpoint running?"))?;
    let status = response.status();
    let text = response.text().await?;
    let head = || text.chars().take(300).collect::<String>();
    if !status.is_success() {
        bail!("{url} answered {status}: {}", head());
    }
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{url} did not answer JSON: {}", head()))?;
    value["choices"][0]["message"]["content"]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("{url}: no choices[0].message.content in {value}"))
}
