//! Issue 21: `driftless corpus get` end to end against a local HTTP server that serves
//! small files in each collection's exact format (BEIR's zip of corpus.jsonl, queries.jsonl
//! and qrels/test.tsv; MS MARCO's tar.gz of collection.tsv, queries and qrels): an
//! interrupted download resumed with a Range request, a checksum mismatch refused and
//! deleted, then fetch → verify → unpack → build → eval in one command.
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_driftless");

/// Ten short abstracts, BEIR style, and three judged queries.
fn beir_zip() -> Vec<u8> {
    let topics = ["vacuum", "index", "replication", "sequence", "trigger"];
    let mut corpus = String::new();
    for (i, t) in topics.iter().cycle().take(10).enumerate() {
        let text = format!("Study {i} of the {t} mechanism: the {t} keeps tables healthy.");
        corpus.push_str(&serde_json::json!({"_id": format!("d{i}"), "title": format!("On {t}"), "text": text, "metadata": {}}).to_string());
        corpus.push('\n');
    }
    let queries = "{\"_id\": \"q1\", \"text\": \"vacuum mechanism\", \"metadata\": {}}\n{\"_id\": \"q2\", \"text\": \"replication\", \"metadata\": {}}\n{\"_id\": \"q3\", \"text\": \"trigger tables\", \"metadata\": {}}\n";
    let qrels = "query-id\tcorpus-id\tscore\nq1\td0\t1\nq1\td5\t1\nq2\td2\t1\nq3\td4\t1\n";
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in [
        ("scifact/corpus.jsonl", corpus.as_str()),
        ("scifact/queries.jsonl", queries),
        ("scifact/qrels/test.tsv", qrels),
    ] {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(body.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip");
    out.into_inner()
}

/// MS MARCO's layout: collection.tsv (`pid<TAB>passage`, no header), queries, qrels.
fn msmarco_tar_gz() -> Vec<u8> {
    let files = [
        (
            "collection.tsv",
            "0\tThe vacuum command reclaims storage.\n1\tStreaming replication copies WAL.\n2\tA sequence generates numbers.\n",
        ),
        (
            "queries.dev.small.tsv",
            "1001\treclaim storage\n1002\twal replication\n",
        ),
        ("qrels.dev.small.tsv", "1001\t0\t0\t1\n1002\t0\t1\t1\n"),
    ];
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (name, body) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, body.as_bytes())
            .expect("tar entry");
    }
    tar.into_inner().expect("tar").finish().expect("gzip")
}

/// Serves `files` (path → bytes) over HTTP/1.1 with Range support. The first `cut` GETs of
/// each file stop after half the body, as a dropped connection would.
fn serve(files: Vec<(String, Vec<u8>)>, cut: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    let served = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&request).to_string();
            let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
            let range = text
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("range: bytes=")
                        .map(str::to_string)
                })
                .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok());
            seen.lock()
                .expect("log")
                .push(format!("{path} range={range:?}"));
            let Some((_, body)) = files.iter().find(|(p, _)| *p == path) else {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
                continue;
            };
            let from = range.unwrap_or(0).min(body.len());
            let status = if range.is_some() {
                "206 Partial Content"
            } else {
                "200 OK"
            };
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len() - from
            );
            let _ = stream.write_all(head.as_bytes());
            let n = served.fetch_add(1, Ordering::SeqCst);
            let end = if n < cut {
                from + (body.len() - from) / 2
            } else {
                body.len()
            };
            let _ = stream.write_all(&body[from..end]);
        }
    });
    (base, log)
}

/// A recipe for one served file `(name, bytes, unpack)`; `sha` overrides its sha256.
fn recipe(
    dir: &Path,
    name: &str,
    (file, bytes, unpack): (&str, &[u8], &str),
    sha: Option<&str>,
    corpus: &serde_json::Value,
    eval: Option<(&str, &str)>,
) -> std::path::PathBuf {
    let sha = sha.map_or_else(|| hex::encode(Sha256::digest(bytes)), str::to_string);
    let md5 = hex::encode(<md5::Md5 as md5::Digest>::digest(bytes));
    let mut r = serde_json::json!({
        "name": name, "description": "test", "licence": "test", "checked": "written by the test",
        "files": [{"url": format!("https://example.invalid/data/{file}"), "name": file,
                   "bytes": bytes.len(), "sha256": sha, "md5": md5, "unpack": unpack}],
        "corpus": corpus.clone(),
    });
    if let Some((q, qrels)) = eval {
        r["queries"] = q.into();
        r["qrels"] = qrels.into();
    }
    let path = dir.join(format!("{}.json", name.replace('/', "-")));
    std::fs::write(&path, r.to_string()).expect("write recipe");
    path
}

fn get(recipe: &Path, dir: &Path, mirror: &str) -> Output {
    Command::new(BIN)
        .args(["corpus", "get", "--recipe"])
        .arg(recipe)
        .arg("--dir")
        .arg(dir)
        .args(["--mirror", mirror])
        .output()
        .expect("run driftless corpus get")
}

#[test]
fn beir_zip_is_resumed_verified_built_and_evaluated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let zip = beir_zip();
    let (base, log) = serve(vec![("/data/scifact.zip".into(), zip.clone())], 1);
    let corpus = serde_json::json!({"path": "scifact/corpus.jsonl", "fields": {"id": "_id", "title": "title", "text": "text"}});
    let good = recipe(
        tmp.path(),
        "beir/test",
        ("scifact.zip", &zip, "zip"),
        None,
        &corpus,
        Some(("scifact/queries.jsonl", "scifact/qrels/test.tsv")),
    );
    let dir = tmp.path().join("scifact");

    // First run: the connection drops half-way; the part file is kept, nothing unpacked.
    let first = get(&good, &dir, &base);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(!first.status.success(), "{stderr}");
    assert!(
        stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    let part = std::fs::metadata(dir.join("scifact.zip.part"))
        .expect("part kept")
        .len();
    assert!(part > 0 && (part as usize) < zip.len());
    assert!(!dir.join("scifact").exists());

    // Second run: resumes from the part, verifies, unpacks, builds and evaluates.
    let second = get(&good, &dir, &base);
    let (out, err) = (
        String::from_utf8_lossy(&second.stdout),
        String::from_utf8_lossy(&second.stderr),
    );
    assert!(second.status.success(), "{err}");
    assert!(
        err.contains(&format!("resuming after {part} bytes")),
        "{err}"
    );
    assert!(
        log.lock()
            .expect("log")
            .iter()
            .any(|l| l.ends_with(&format!("range=Some({part})")))
    );
    assert!(dir.join("snapshot/manifest.json").is_file());
    assert!(out.contains("nDCG@10") && out.contains("AP"), "{out}");
    assert!(
        err.contains("$ driftless build --corpus") && err.contains("--field id=_id"),
        "{err}"
    );

    // A third run downloads nothing.
    let requests = log.lock().expect("log").len();
    assert!(get(&good, &dir, &base).status.success());
    assert_eq!(
        log.lock().expect("log").len(),
        requests,
        "verified files are not fetched again"
    );

    // A wrong pinned checksum: refused, the download deleted, nothing unpacked.
    let bad_dir = tmp.path().join("bad");
    let wrong = "0".repeat(64);
    let bad = recipe(
        tmp.path(),
        "beir/bad",
        ("scifact.zip", &zip, "zip"),
        Some(&wrong),
        &corpus,
        None,
    );
    let refused = get(&bad, &bad_dir, &base);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        err.contains("sha256") && err.contains(&wrong) && err.contains("does not match the recipe"),
        "{err}"
    );
    assert!(!bad_dir.join("scifact.zip").exists() && !bad_dir.join("scifact.zip.part").exists());
    assert!(!bad_dir.join("scifact").exists());
}

#[test]
fn msmarco_tar_gz_builds_from_a_headerless_tsv() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let archive = msmarco_tar_gz();
    let (base, _) = serve(
        vec![("/data/collectionandqueries.tar.gz".into(), archive.clone())],
        0,
    );
    let corpus = serde_json::json!({"path": "collection.tsv", "fields": {}});
    let r = recipe(
        tmp.path(),
        "msmarco-test",
        ("collectionandqueries.tar.gz", &archive, "tar.gz"),
        None,
        &corpus,
        Some(("queries.dev.small.tsv", "qrels.dev.small.tsv")),
    );
    let out = get(&r, &tmp.path().join("m"), &base);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("nDCG@10 1.0000"),
        "both queries find their passage first: {stdout}"
    );
}

#[test]
fn list_names_every_recipe_with_its_licence() {
    let out = Command::new(BIN)
        .args(["corpus", "get", "--list"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "beir/scifact",
        "beir/nfcorpus",
        "msmarco-passage",
        "wiki-18",
        "browsecomp-plus",
    ] {
        assert!(text.contains(name), "{text}");
    }
    assert!(text.contains("beir/trec-covid") && text.contains("beir/msmarco"));
    assert_eq!(text.matches("licence:").count(), 17);
    let unknown = Command::new(BIN)
        .args(["corpus", "get", "beir/nope"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("known: beir/scifact"));
}
