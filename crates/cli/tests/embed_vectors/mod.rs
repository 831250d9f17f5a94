//! `driftless embed` then `build --vectors`: the same snapshot id as an in-process dense build
//! of the same corpus; `--ort-provider cuda` on the CPU build of ONNX Runtime is refused at
//! once with what to do. Real model and runtime (CI exports DRIFTLESS_MODEL_DIR).
use std::path::Path;
use std::process::{Command, Output};

use super::BIN;

#[path = "../support/skip.rs"]
mod skip;

fn run(args: &[&str], paths: &[&Path]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args);
    for path in paths {
        command.arg(path);
    }
    command.output().expect("run driftless")
}

fn ok_json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("summary JSON on stdout")
}

fn corpus(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("c.jsonl");
    let long = "Routine vacuuming keeps tables healthy. ".repeat(60);
    let lines = [
        serde_json::json!({"id": "pg-vacuum", "url": "https://www.postgresql.org/docs/15/sql-vacuum.html", "title": "VACUUM", "text": format!("VACUUM reclaims storage occupied by dead tuples. {long}")}),
        serde_json::json!({"id": "git-rebase", "url": "https://git-scm.com/docs/git-rebase", "title": "git-rebase", "text": "Reapply commits on top of another base tip."}),
        serde_json::json!({"id": "py-os", "url": "https://docs.python.org/3/library/os.html", "title": "os", "text": "Miscellaneous operating system interfaces."}),
    ];
    let text: Vec<String> = lines.iter().map(ToString::to_string).collect();
    std::fs::write(&path, text.join("\n")).expect("write corpus");
    path
}

#[test]
fn embedding_a_snapshot_elsewhere_gives_the_in_process_snapshot() {
    if std::env::var_os("DRIFTLESS_MODEL_DIR").is_none() {
        skip::skip_outside_ci(
            "CI must set DRIFTLESS_MODEL_DIR",
            "DRIFTLESS_MODEL_DIR unset; skipping the embed test",
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = corpus(dir.path());
    let quiet = ["--progress", "none"];
    let bm25 = dir.path().join("bm25");
    let built = ok_json(&run(
        &[&["build", "--no-dense"][..], &quiet, &["--corpus"]].concat(),
        &[&corpus, Path::new("--out"), &bm25],
    ));
    let passages = built["passages"].as_u64().expect("passages");
    assert!(passages > 3, "the long page splits into several passages");

    let npy = dir.path().join("vec.npy");
    let embedded = ok_json(&run(
        &[&["embed"][..], &quiet, &["--workers", "2", "--snapshot"]].concat(),
        &[&bm25, Path::new("--out"), &npy],
    ));
    assert_eq!(embedded["passages"].as_u64(), Some(passages));
    let ids = std::fs::read_to_string(dir.path().join("vec.npy.ids.txt")).expect("ids file");
    assert_eq!(ids.lines().count() as u64, passages);
    assert!(
        ids.starts_with("git-rebase#0\n"),
        "passage order is doc_id order: {ids}"
    );

    let imported = dir.path().join("imported");
    let imported = ok_json(&run(
        &[&["build"][..], &quiet, &["--vectors"]].concat(),
        &[
            &npy,
            Path::new("--corpus"),
            &corpus,
            Path::new("--out"),
            &imported,
        ],
    ));
    let in_process = dir.path().join("in-process");
    let in_process = ok_json(&run(
        &[&["build", "--dense"][..], &quiet, &["--corpus"]].concat(),
        &[&corpus, Path::new("--out"), &in_process],
    ));
    assert_eq!(imported["snapshot_id"], in_process["snapshot_id"]);

    let refused = run(
        &[
            &["embed"][..],
            &quiet,
            &["--ort-provider", "cuda", "--snapshot"],
        ]
        .concat(),
        &[&bm25, Path::new("--out"), &dir.path().join("gpu.npy")],
    );
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("cuda") && message.contains("--ort-library"),
        "{message}"
    );
    assert!(
        !dir.path().join("gpu.npy").exists(),
        "nothing written on failure"
    );
}
