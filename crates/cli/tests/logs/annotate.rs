//! `driftless logs annotate` against a small OpenAI-compatible server the test starts (the
//! same HTTP path as vLLM, llama.cpp or a hosted API): labels parsed, counted and cached in
//! the store, so the second run asks only what the first could not parse.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use driftless_querylog::LogRecord;
use serde_json::{Value, json};

use super::{driftless, store_with};

/// Answers chat completions by rule and keeps every request body.
fn start_endpoint() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("body");
            let request: Value = serde_json::from_slice(&body).expect("json body");
            let input = request["messages"][1]["content"]
                .as_str()
                .unwrap_or("")
                .to_string();
            log.lock().expect("lock").push(request);
            let answer = label_for(&input);
            let reply = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}]})
                .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    (format!("http://{addr}/v1"), seen)
}

/// The endpoint's rules: intents by the first query, reformulations by containment, and a
/// rambling answer for a `zzz` query (not a label).
fn label_for(input: &str) -> &'static str {
    if input.starts_with("TASK intent") {
        return if input.contains("1. how") {
            "procedural"
        } else {
            "Fact_seeking."
        };
    }
    let line = |p: &str| {
        input
            .lines()
            .find_map(|l| l.strip_prefix(p))
            .unwrap_or("")
            .to_string()
    };
    let (previous, current) = (line("PREVIOUS "), line("CURRENT "));
    if current.contains("zzz") {
        "I would say it is a bit of both"
    } else if current.contains(&previous) {
        "specialization"
    } else {
        "new_topic"
    }
}

fn record(n: i64, session: &str, query: &str) -> LogRecord {
    super::agent_record(n * 1000, Some(session), Some(query))
}

#[test]
fn labels_come_from_the_endpoint_once_and_then_from_the_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = [
        record(1, "s1", "how to vacuum"),
        record(2, "s1", "how to vacuum a table"),
        record(3, "s2", "postgres version"),
        record(4, "s2", "django orm"),
        record(5, "s2", "zzz"),
    ];
    let db = store_with(dir.path(), &log);
    let db = db.to_str().expect("utf8");
    let (endpoint, seen) = start_endpoint();
    let args = [
        "logs",
        "annotate",
        "--db",
        db,
        "--endpoint",
        &endpoint,
        "--model",
        "test-model",
    ];
    let first: Value = serde_json::from_slice(&driftless(&args).stdout).expect("json");
    assert_eq!(
        (
            &first["tasks"],
            &first["requests"],
            &first["cache_hits"],
            &first["unparsed"]
        ),
        (&json!(5), &json!(5), &json!(0), &json!(1)),
        "{first:#}"
    );
    assert_eq!(
        first["intents"],
        json!({"procedural": 1, "fact_seeking": 1})
    );
    assert_eq!(
        first["reformulations"],
        json!({"specialization": 1, "new_topic": 1})
    );
    assert_eq!(first["prompt_version"], "annotate-v1");

    // Second run: the four parsed labels come from the store; only the rambling one is asked.
    let one_at_a_time = [&args[..], &["--concurrency", "1"]].concat();
    let second: Value = serde_json::from_slice(&driftless(&one_at_a_time).stdout).expect("json");
    assert_eq!(
        (&second["requests"], &second["cache_hits"]),
        (&json!(1), &json!(4)),
        "{second:#}"
    );
    assert_eq!(second["intents"], first["intents"]);
    // `logs analyse` splits repetition and CTAR by the cached intents of that model; with
    // another model nothing is labelled.
    let by_intent = |model: &str| -> Value {
        let report = super::analyse_json(db, &["--section", "by_intent", "--intents-model", model]);
        let rows = super::json_rows(&report["by_intent"], |r| {
            json!([r["intent"], r["sessions"], r["exact_repetition"]])
        });
        Value::from(rows)
    };
    assert_eq!(
        by_intent("test-model"),
        json!([["fact_seeking", 1, 0.0], ["procedural", 1, 0.0]])
    );
    assert_eq!(by_intent("other-model"), json!([["unlabelled", 2, 0.0]]));

    let requests = seen.lock().expect("lock");
    assert_eq!(requests.len(), 6);
    assert!(
        requests
            .iter()
            .all(|r| r["temperature"] == 0 && r["model"] == "test-model")
    );
    assert!(
        requests[0]["messages"][0]["content"]
            .as_str()
            .is_some_and(|p| p.contains("TASK intent"))
    );
}
