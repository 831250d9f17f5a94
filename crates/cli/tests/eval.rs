//! `driftless corpus judged-sets` and `driftless eval` end to end on real Python 3.11 pages:
//! derive judged sets from the shipped genindex, build a snapshot of a slice of the docs,
//! evaluate twice and require identical run files and numbers; malformed inputs fail with
//! the file and line named.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// The server helpers of the first-hour tests (spawn on an ephemeral port, GET, SIGTERM).
#[allow(dead_code)]
#[path = "first_hour/common.rs"]
mod common;
#[path = "support/http.rs"]
mod http;

const BIN: &str = env!("CARGO_BIN_EXE_driftless");
const PY_HTML: &str = "python3.11-doc/usr/share/doc/python3.11/html";

/// The Python HTML directory of the default corpus, or `None` outside CI when not fetched.
fn python_html() -> Option<PathBuf> {
    let root = std::env::var_os("DRIFTLESS_TEST_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/corpus/default")
        });
    let html = root.join(PY_HTML);
    if html.join("genindex-all.html").is_file() {
        return Some(html);
    }
    common::skip_outside_ci(
        "CI must fetch the corpus first: run scripts/test.sh",
        &format!(
            "{} missing; run corpus-tools/fetch-default-corpus.sh",
            html.display()
        ),
    );
    None
}

/// A corpus of the library pages whose names start with a..c, plus the whole index.
fn slice(html: &Path, dest: &Path) {
    let out = dest.join(PY_HTML);
    std::fs::create_dir_all(out.join("library")).expect("mkdir");
    std::fs::copy(
        html.join("genindex-all.html"),
        out.join("genindex-all.html"),
    )
    .expect("copy index");
    let mut pages: Vec<_> = std::fs::read_dir(html.join("library"))
        .expect("read library")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".html") && n.starts_with(['a', 'b', 'c']))
        .collect();
    pages.sort();
    for page in pages {
        std::fs::copy(
            html.join("library").join(&page),
            out.join("library").join(&page),
        )
        .expect("copy page");
    }
}

fn driftless(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run driftless")
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 stdout")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The report without what legitimately differs between runs (timing, paths).
fn reproducible(json: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(json).expect("report JSON");
    for c in v["configs"].as_array_mut().expect("configs") {
        let c = c.as_object_mut().expect("config object");
        c.remove("timing");
        c.remove("run_file");
    }
    v
}

/// A temporary directory with the a..c slice of the Python pages under `corpus/` and its
/// judged set under `judged/`, or `None` outside CI when the pages are not fetched.
fn judged_slice() -> Option<(tempfile::TempDir, PathBuf, PathBuf)> {
    let html = python_html()?;
    let tmp = tempfile::tempdir().expect("tempdir");
    let (corpus, judged) = (tmp.path().join("corpus"), tmp.path().join("judged"));
    slice(&html, &corpus);
    ok(driftless(&[
        "corpus",
        "judged-sets",
        "--corpus",
        s(&corpus),
        "--out",
        s(&judged),
        "--site",
        "python-3.11",
    ]));
    Some((tmp, corpus, judged))
}

/// `build` of `corpus` into `out` with `extra` flags.
fn build(corpus: &Path, out: &Path, extra: &[&str]) {
    let head = [
        "build",
        "--progress",
        "none",
        "--corpus",
        s(corpus),
        "--out",
        s(out),
    ];
    ok(driftless(&[&head[..], extra].concat()));
}

#[test]
fn judged_sets_and_eval_reproduce_exactly() {
    let Some((tmp, corpus, judged)) = judged_slice() else {
        return;
    };
    let snap = tmp.path().join("snap");
    let topics = judged.join("python-3.11.topics.tsv");
    let qrels = judged.join("python-3.11.qrels");
    let qrels_text = std::fs::read_to_string(&qrels).expect("qrels");
    let topic_count = std::fs::read_to_string(&topics)
        .expect("topics")
        .lines()
        .count();
    assert!(topic_count > 200, "only {topic_count} topics");
    assert!(
        !qrels_text.contains("genindex"),
        "index pages must never be relevant"
    );
    assert!(qrels_text.lines().all(|l| {
        l.split(' ')
            .nth(2)
            .is_some_and(|d| d.starts_with("python-3.11/library/"))
    }));
    build(&corpus, &snap, &[]);

    let eval_snapshots = |snapshots: &[&Path], runs: &Path| {
        let mut args = vec!["eval", "--topics", s(&topics), "--qrels", s(&qrels)];
        for snapshot in snapshots {
            args.extend(["--snapshot", s(snapshot)]);
        }
        args.extend([
            "--unit",
            "doc,passage",
            "--k1",
            "0.9,1.2",
            "--depth",
            "20",
            "--runs-dir",
            s(runs),
            "--format",
            "json",
            "--progress",
            "none",
        ]);
        ok(driftless(&args))
    };
    let eval = |runs: &Path| eval_snapshots(&[&snap], runs);
    let (first, second) = (eval(&tmp.path().join("r1")), eval(&tmp.path().join("r2")));
    assert_eq!(
        reproducible(&first),
        reproducible(&second),
        "numbers differ between reruns"
    );
    let report = reproducible(&first);
    let configs = report["configs"].as_array().expect("configs");
    assert_eq!(configs.len(), 4); // doc, passage × k1 0.9, 1.2
    for c in configs {
        let tag = c["tag"].as_str().expect("tag");
        let a = std::fs::read(tmp.path().join("r1").join(format!("{tag}.run"))).expect("run 1");
        let b = std::fs::read(tmp.path().join("r2").join(format!("{tag}.run"))).expect("run 2");
        assert!(a == b, "run file {tag} differs between reruns");
        assert!(
            !String::from_utf8_lossy(&a).contains("genindex"),
            "index pages must not be retrieved"
        );
        // Index entries name their page's subject: BM25 finds a good share of them.
        let ndcg = c["measures"]["ndcg_10"].as_f64().expect("ndcg");
        assert!(ndcg > 0.2, "{tag}: nDCG@10 {ndcg}");
    }

    // Scoring the written run file gives the numbers the evaluation printed.
    let tag = configs[0]["tag"].as_str().expect("tag");
    let scored = ok(driftless(&[
        "eval",
        "--topics",
        s(&topics),
        "--qrels",
        s(&qrels),
        "--format",
        "json",
        "--run",
        s(&tmp.path().join("r1").join(format!("{tag}.run"))),
    ]));
    let scored: serde_json::Value = serde_json::from_str(&scored).expect("json");
    assert_eq!(scored[0]["measures"], configs[0]["measures"]);

    // Build-time choices (model, passage size) are compared across snapshots in one run:
    // one report per snapshot, the first identical to the single-snapshot report.
    let small = tmp.path().join("snap-small-passages");
    build(&corpus, &small, &["--passage-tokens", "60"]);
    let both = eval_snapshots(&[&snap, &small], &tmp.path().join("r3"));
    let both: serde_json::Value = serde_json::from_str(&both).expect("json");
    let both = both.as_array().expect("an array, one report per snapshot");
    assert_eq!(both.len(), 2);
    assert_eq!(reproducible(&both[0].to_string()), report);
    assert_ne!(both[0]["snapshot"], both[1]["snapshot"]);
    // The report names the embedding model of a dense snapshot (CI's DRIFTLESS_MODEL_DIR
    // makes `build` dense, like --model) and none for a BM25 one.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(snap.join("manifest.json")).expect("manifest"))
            .expect("manifest json");
    assert_eq!(
        both[0].get("model"),
        manifest["build"]["dense"].get("model_id"),
        "{manifest}"
    );
    let prefix = &both[1]["snapshot"].as_str().expect("id")[..12];
    let file = tmp.path().join("r3").join(format!("{prefix}_{tag}.run"));
    assert!(
        file.is_file(),
        "run files of several snapshots are prefixed"
    );
}

#[test]
fn malformed_inputs_fail_with_file_and_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let topics = tmp.path().join("t.tsv");
    let qrels = tmp.path().join("q.qrels");
    // (topics file, qrels file, what stderr must name)
    let cases = [
        (
            "q1\tos walk\nq2 missing tab\n",
            "q1 0 a 1\n",
            "t.tsv:2: expected `qid<TAB>query`, found no tab",
        ),
        (
            "q1\tos walk\n",
            "q1 0 a 1\nq1 0 b yes\n",
            "q.qrels:2: relevance \"yes\" is not an integer",
        ),
    ];
    for (topics_text, qrels_text, expected) in cases {
        std::fs::write(&topics, topics_text).expect("write");
        std::fs::write(&qrels, qrels_text).expect("write");
        let out = driftless(&[
            "eval",
            "--topics",
            s(&topics),
            "--qrels",
            s(&qrels),
            "--snapshot",
            s(tmp.path()),
        ]);
        assert!(!out.status.success(), "{expected}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{stderr}");
    }
}

/// Percent-encodes a query-string value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Agent sessions over the judged set, through a real server: per topic one search (k 10)
/// and a fetch of its top hit, with `x-session-id` = topic. `logs evaluate` must then find
/// exactly what `driftless eval` measures independently: its evidence recall is eval's
/// R@10 over the same topics, and every gold document it says was fetched is the top hit.
#[test]
fn agent_sessions_over_the_judged_set_are_evaluated() {
    let Some((tmp, corpus, judged)) = judged_slice() else {
        return;
    };
    let snap = tmp.path().join("s");
    build(&corpus, &snap, &["--no-dense"]);
    // 30 judged topics, and the judgements of those only.
    let topics_text =
        std::fs::read_to_string(judged.join("python-3.11.topics.tsv")).expect("topics");
    let topics: Vec<(&str, &str)> = topics_text
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .step_by(7)
        .take(30)
        .collect();
    let ids: Vec<&str> = topics.iter().map(|(id, _)| *id).collect();
    let qrels_text = std::fs::read_to_string(judged.join("python-3.11.qrels")).expect("qrels");
    let qrels: Vec<&str> = qrels_text
        .lines()
        .filter(|l| l.split(' ').next().is_some_and(|id| ids.contains(&id)))
        .collect();
    let (topics_file, qrels_file) = (tmp.path().join("t.tsv"), tmp.path().join("q.qrels"));
    let lines: Vec<String> = topics.iter().map(|(id, q)| format!("{id}\t{q}")).collect();
    std::fs::write(&topics_file, lines.join("\n") + "\n").expect("topics");
    std::fs::write(&qrels_file, qrels.join("\n") + "\n").expect("qrels");

    let log = tmp.path().join("log.sqlite");
    let mut serve = common::driftless(tmp.path());
    serve.args([
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--snapshot",
        s(&snap),
        "--log-db",
        s(&log),
    ]);
    let (child, addr, _, _stderr) = common::spawn_server(serve);
    let mut top_hits = Vec::new();
    for (id, query) in &topics {
        let header = format!("x-session-id: {id}\r\n");
        let path = format!("/v1/search?k=10&mode=bm25&q={}", encode(query));
        let (status, body) = common::get_with(&addr, &path, &header);
        let body: serde_json::Value = serde_json::from_str(&body).expect("json");
        let top = body["results"][0]["doc_id"].as_str().map(str::to_string);
        if let (200, Some(top)) = (status, &top) {
            let path = format!("/v1/fetch?max_chars=200&doc_id={}", encode(top));
            assert_eq!(common::get_with(&addr, &path, &header).0, 200);
        }
        top_hits.push(top);
    }
    common::stop(child);

    let report = ok(driftless(&[
        "logs",
        "evaluate",
        "--db",
        s(&log),
        "--qrels",
        s(&qrels_file),
        "--format",
        "json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&report).expect("json");
    let eval = ok(driftless(&[
        "eval",
        "--topics",
        s(&topics_file),
        "--qrels",
        s(&qrels_file),
        "--snapshot",
        s(&snap),
        "--syntax",
        "engine",
        "--depth",
        "10",
        "--format",
        "json",
        "--progress",
        "none",
    ]));
    let eval: serde_json::Value = serde_json::from_str(&eval).expect("json");
    let recall_10 = eval["configs"][0]["measures"]["recall_10"]
        .as_f64()
        .expect("R@10");
    let evidence = report["evidence_recall"].as_f64().expect("evidence recall");
    assert!(
        (evidence - recall_10).abs() < 1e-9,
        "logs evaluate {evidence} vs eval R@10 {recall_10}"
    );
    assert!(recall_10 > 0.3, "BM25 finds a good share: R@10 {recall_10}");
    assert_eq!(
        report["topics_with_requests"],
        serde_json::json!(topics.len())
    );
    let tops: std::collections::BTreeMap<&str, Option<String>> =
        ids.iter().copied().zip(top_hits).collect();
    for topic in report["by_topic"].as_array().expect("topics") {
        let top = &tops[topic["topic_id"].as_str().expect("id")];
        for gold in topic["gold"].as_array().expect("gold") {
            let fetched = gold["fetched_at"] == serde_json::json!(2);
            assert_eq!(
                fetched,
                top.as_deref() == gold["doc_id"].as_str(),
                "{topic}"
            );
        }
    }
}

/// Issue 21: BEIR-format judgements, more measures, per-topic CSV and a paired comparison.
#[test]
fn beir_qrels_measures_per_topic_and_compare() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |name: &str| dir.path().join(name);
    std::fs::write(
        p("test.tsv"),
        "query-id\tcorpus-id\tscore\nq1\ta\t1\nq1\tb\t2\nq2\tc\t1\nq3\td\t1\n",
    )
    .expect("qrels");
    std::fs::write(p("queries.jsonl"), "{\"_id\":\"q1\",\"text\":\"one\"}\n{\"_id\":\"q2\",\"text\":\"two\"}\n{\"_id\":\"q3\",\"text\":\"three\"}\n").expect("queries");
    // A finds every relevant document first; B ranks them low or not at all.
    std::fs::write(
        p("a.run"),
        "q1 Q0 b 1 3 A\nq1 Q0 a 2 2 A\nq2 Q0 c 1 5 A\nq3 Q0 d 1 1 A\n",
    )
    .expect("run a");
    std::fs::write(
        p("b.run"),
        "q1 Q0 x 1 3 B\nq1 Q0 a 2 2 B\nq2 Q0 y 1 5 B\nq2 Q0 c 2 4 B\n",
    )
    .expect("run b");
    let table = ok(driftless(&[
        "eval",
        "--topics",
        s(&p("queries.jsonl")),
        "--qrels",
        s(&p("test.tsv")),
        "--run",
        s(&p("a.run")),
        "--run",
        s(&p("b.run")),
        "--measures",
        "P@1,AP,RR,nDCG@2",
        "--per-topic",
        s(&p("topics.csv")),
    ]));
    assert!(
        table.contains("P@1 1.0000") && table.contains("AP 1.0000"),
        "{table}"
    );
    // B: AP = (q1: 1/2 / 2 relevant = 0.25; q2: 1/2; q3: 0) / 3.
    assert!(
        table.contains(&format!("AP {:.4}", (0.25 + 0.5) / 3.0)),
        "{table}"
    );
    let csv = std::fs::read_to_string(p("topics.csv")).expect("per-topic CSV");
    assert!(csv.starts_with("run,qid,measure,value\n"));
    assert_eq!(
        csv.lines().count(),
        1 + 2 * 3 * 4,
        "runs × topics × measures"
    );
    assert!(csv.contains("b.run,q3,AP,0\n"), "{csv}");

    // `eval compare` of run A against run B with `flags`.
    let (qrels, a, b) = (p("test.tsv"), p("a.run"), p("b.run"));
    let compare = |flags: &[&str]| {
        let head = ["eval", "compare", "--qrels", s(&qrels)];
        driftless(&[&head[..], flags, &[s(&a), s(&b)]].concat())
    };
    let compared = ok(compare(&["--measure", "AP"]));
    assert!(
        compared.contains("AP over 3 topics") && compared.contains("A better on 3"),
        "{compared}"
    );
    assert!(compared.contains("paired t-test: t = ") && compared.contains("randomization test"));
    let json = ok(compare(&["--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["measure"], "nDCG@10");
    // Three topics, every sign flip pattern is one of 8: p ≥ 1/8 whatever the values.
    assert!(v["test"]["p_randomization"].as_f64().expect("p") >= 0.125);
    let bad = compare(&["--measure", "bpref"]);
    assert!(
        !bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("unknown measure")
    );
}
