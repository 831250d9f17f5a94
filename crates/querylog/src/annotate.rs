//! What `driftless logs annotate` asks an LLM, and how answers are keyed: the prompt and
//! label sets (versioned, `prompts/annotate-v1.txt`), the input of each task, and the cache
//! key `sha256(prompt version, model, task, input)`. The HTTP side lives in the CLI.
//!
//! Two tasks, following "Agentic Search in the Wild": the **intent** of a trajectory (from
//! its queries in order) and the **reformulation** type of each query step ≥ 2 (against the
//! previous query). The lexical rules of `analysis::Reformulation` stay the offline default;
//! these labels are the paper's method, run against the user's own endpoint.
use sha2::{Digest, Sha256};

use crate::analysis::{answered, request_groups};
use crate::session::Session;

/// The prompt text; changing it means a new [`PROMPT_VERSION`].
pub const PROMPT: &str = include_str!("../prompts/annotate-v1.txt");
/// Version of [`PROMPT`], part of every cache key.
pub const PROMPT_VERSION: &str = "annotate-v1";
/// Session intents.
pub const INTENTS: [&str; 6] = [
    "fact_seeking",
    "exploratory",
    "procedural",
    "troubleshooting",
    "navigational",
    "other",
];
/// Reformulation types.
pub const REFORMULATIONS: [&str; 7] = [
    "repetition",
    "specialization",
    "generalization",
    "parallel",
    "correction",
    "new_topic",
    "other",
];

/// One question for the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// `intent` or `reformulation`.
    pub kind: &'static str,
    /// The trajectory it is about.
    pub session_id: String,
    /// Query step for a reformulation (≥ 2), 0 for an intent.
    pub step: usize,
    /// The user message: the task name, the labels allowed and the queries.
    pub input: String,
}

impl Task {
    /// The labels an answer may take.
    pub fn labels(&self) -> &'static [&'static str] {
        if self.kind == "intent" {
            &INTENTS
        } else {
            &REFORMULATIONS
        }
    }

    /// `sha256(prompt version ‖ 0 ‖ model ‖ 0 ‖ kind ‖ 0 ‖ input)`, hex: the same question
    /// to the same model under the same prompt is asked once.
    pub fn cache_key(&self, model: &str) -> String {
        let mut hash = Sha256::new();
        for part in [PROMPT_VERSION, model, self.kind, &self.input] {
            hash.update(part.as_bytes());
            hash.update([0u8]);
        }
        hex::encode(hash.finalize())
    }

    /// The label in a model's answer: the first word, lower-cased, without punctuation,
    /// if it is one of [`Task::labels`].
    pub fn parse(&self, answer: &str) -> Option<&'static str> {
        let word: String = answer
            .split_whitespace()
            .next()?
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .collect::<String>()
            .to_lowercase();
        self.labels().iter().copied().find(|l| *l == word)
    }
}

/// The tasks of `sessions`: one intent per trajectory with a query, one reformulation per
/// query step ≥ 2 (the first query of a multi-query step stands for it).
pub fn tasks(sessions: &[Session]) -> Vec<Task> {
    let mut out = Vec::new();
    for session in sessions {
        let records = answered(&session.records);
        let queries: Vec<&str> = request_groups(&records)
            .iter()
            .filter_map(|g| g.iter().find_map(|r| r.query.as_deref()))
            .collect();
        if queries.is_empty() {
            continue;
        }
        let listed: Vec<String> = queries
            .iter()
            .enumerate()
            .map(|(i, q)| format!("{}. {q}", i + 1))
            .collect();
        out.push(Task {
            kind: "intent",
            session_id: session.id.clone(),
            step: 0,
            input: format!(
                "TASK intent\nLABELS {}\nQUERIES\n{}",
                INTENTS.join(" "),
                listed.join("\n")
            ),
        });
        for (i, pair) in queries.windows(2).enumerate() {
            out.push(Task {
                kind: "reformulation",
                session_id: session.id.clone(),
                step: i + 2,
                input: format!(
                    "TASK reformulation\nLABELS {}\nPREVIOUS {}\nCURRENT {}",
                    REFORMULATIONS.join(" "),
                    pair[0],
                    pair[1]
                ),
            });
        }
    }
    out
}
