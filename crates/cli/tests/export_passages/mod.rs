//! `driftless corpus export-jsonl --passages` writes exactly the passages `POST /retrieve`
//! answers with: same ids, same `contents`, as many as the snapshot holds. benches/peer
//! indexes this file in Lucene so that both engines answer with the same passages.
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use super::{driftless_with, serve};
/// The smallest budget a build accepts, so the pages below split into several passages.
const TOKENS: &str = "32";

fn corpus(dir: &Path) -> std::path::PathBuf {
    let long = "CREATE INDEX constructs an index on the specified column(s) of the specified \
                relation. Indexes are primarily used to enhance database performance.\n\n\
                When CONCURRENTLY is specified, PostgreSQL builds the index without taking any \
                locks that prevent concurrent inserts, updates, or deletes on the table. \
                A normal index build locks out writes (but not reads) on the table until it \
                is done.\n\nThe key field(s) for the index are specified as column names, \
                or alternatively as expressions written in parentheses. Multiple fields can \
                be specified if the index method supports multicolumn indexes.";
    let lines = [
        serde_json::json!({"id": "pg-createindex", "url": "https://www.postgresql.org/docs/15/sql-createindex.html",
            "title": "CREATE  INDEX\n(SQL)", "text": long}),
        serde_json::json!({"id": "pg-vacuum", "url": "https://www.postgresql.org/docs/15/sql-vacuum.html",
            "title": "VACUUM", "text": "  VACUUM reclaims storage occupied by dead tuples. \n\nIn normal PostgreSQL operation, tuples that are deleted or obsoleted by an update are not physically removed from their table; they remain present until a VACUUM is done.  "}),
        serde_json::json!({"id": "py-subprocess", "url": "https://docs.python.org/3/library/subprocess.html",
            "title": "subprocess — Subprocess management", "text": "The subprocess module allows you to spawn new processes. If the timeout expires, the child process will be killed and waited for. The TimeoutExpired exception will be re-raised after the child process has terminated."}),
    ];
    let path = dir.join("c.jsonl");
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&path, text.join("\n")).expect("write corpus");
    path
}

fn retrieve(addr: &str, body: &str) -> serde_json::Value {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "POST /retrieve HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("http response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{body}");
    serde_json::from_str(body).expect("json body")
}

#[test]
fn exported_passages_are_what_retrieve_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = corpus(dir.path());
    let snapshot = dir.path().join("snap");
    let export = dir.path().join("passages.jsonl");
    // The build, then the export of its passages with the same budget; both BM25 only (with
    // the model CI exports, `build` would also embed).
    let corpus = corpus.to_str().expect("utf8");
    let steps: [(&[&str], &Path); 2] = [
        (&["build", "--progress", "none"], &snapshot),
        (&["corpus", "export-jsonl", "--passages"], &export),
    ];
    for (command, out) in steps {
        let out = out.to_str().expect("utf8");
        let shared = ["--passage-tokens", TOKENS, "--corpus", corpus, "--out", out];
        driftless_with(&[command, &shared].concat(), |command| {
            command.env_remove("DRIFTLESS_MODEL_DIR");
        });
    }

    let mut exported: HashMap<String, String> = HashMap::new();
    for line in std::fs::read_to_string(&export)
        .expect("read export")
        .lines()
    {
        let record: serde_json::Value = serde_json::from_str(line).expect("JSONL line");
        assert!(
            line.starts_with(r#"{"id":"#),
            "id first, as /retrieve writes it"
        );
        let mut keys: Vec<&String> = record.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["contents", "id"],
            "Pyserini JsonCollection fields only"
        );
        let id = record["id"].as_str().expect("id").to_string();
        let contents = record["contents"].as_str().expect("contents").to_string();
        assert!(
            contents.starts_with('"') && contents.contains("\"\n"),
            "{contents}"
        );
        assert!(
            exported.insert(id, contents).is_none(),
            "passage ids are unique"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(snapshot.join("manifest.json")).expect("manifest"))
            .expect("manifest JSON");
    assert_eq!(
        manifest["counts"]["passages"].as_u64(),
        Some(exported.len() as u64),
        "one line per passage of the snapshot"
    );
    assert!(
        exported.len() > 3,
        "the long pages split: {:?}",
        exported.keys()
    );

    let (mut child, addr, mut stderr) = serve(&snapshot, &dir.path().join("log.sqlite"));
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    let body = r#"{"queries":["create index concurrently","vacuum dead tuples","subprocess timeout","index postgresql table"],"topk":100,"return_scores":false}"#;
    let answer = retrieve(&addr, body);
    let _ = child.kill();
    let _ = child.wait();
    let mut seen = 0;
    for list in answer["result"].as_array().expect("result") {
        assert!(!list.as_array().expect("list").is_empty(), "{answer}");
        for document in list.as_array().expect("list") {
            let id = document["id"].as_str().expect("id");
            let expected = exported
                .get(id)
                .unwrap_or_else(|| panic!("{id} not exported"));
            assert_eq!(
                document["contents"].as_str(),
                Some(expected.as_str()),
                "{id}"
            );
            assert_eq!(
                serde_json::to_string(document).expect("json"),
                serde_json::json!({"id": id, "contents": expected}).to_string(),
                "same document bytes"
            );
            seen += 1;
        }
    }
    assert!(seen >= 4, "{answer}");
}
