//! Our metrics against two independent evaluators from PyPI on the same run file:
//! pytrec_eval (trec_eval 9's C code) and ir_measures. The venv lives in the ignored
//! `.cache/eval-venv` of the workspace and is created on first use (PyPI must be reachable;
//! outside CI the test is skipped with a note when Python is missing).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use driftless_eval::measures::{evaluate_measures, parse_measures};
use driftless_eval::metrics::evaluate;
use driftless_eval::significance::paired_test;
use driftless_eval::trec::{Qrels, Run, format_qrels, format_run_topic, parse_run};
use driftless_rng::XorShift64Star;

/// Measures beyond the four of `metrics.rs`, in ir_measures' names (crosscheck.py maps each
/// to trec_eval's too). The first is the one the t-test compares.
const EXTRA_MEASURES: &str = "nDCG@20,nDCG,P@5,P@10,R@1000,RR,AP,AP@100";

/// Pinned so that a fresh clone checks against the same code.
const PACKAGES: &[&str] = &[
    "pytrec-eval-terrier==0.5.11",
    "ir-measures==0.4.3",
    "scipy==1.17.1",
];

/// 300 topics: graded judgements (some topics with nothing relevant), runs of 0-150 documents
/// with coarse scores (many ties, to exercise trec_eval's tie order), some topics absent.
fn data() -> (Qrels, String) {
    // Seeded: the data must be the same on every machine.
    let mut rng = XorShift64Star::seeded(7);
    let mut qrels = Qrels::new();
    let mut run_text = String::new();
    for t in 0..300 {
        let qid = format!("t{t:03}");
        let judged: BTreeMap<String, i32> = (0..1 + rng.below(8))
            .map(|_| (format!("d{}", rng.below(200)), rng.below(4) as i32))
            .collect();
        qrels.insert(qid.clone(), judged);
        if rng.below(10) == 0 {
            continue; // no results for this topic
        }
        let mut seen = std::collections::HashSet::new();
        let mut ranked = Vec::new();
        for _ in 0..rng.below(150) {
            let doc = format!("d{}", rng.below(200));
            if seen.insert(doc.clone()) {
                ranked.push((doc, rng.below(40) as f64 / 4.0));
            }
        }
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        format_run_topic(&mut run_text, &qid, &ranked, "synthetic");
    }
    (qrels, run_text)
}

fn venv_python() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/eval-venv");
    let python = venv.join("bin/python");
    let ready = venv.join(".driftless-ready");
    // A venv made for another package list is brought up to this one.
    if std::fs::read_to_string(&ready).is_ok_and(|listed| listed == PACKAGES.join("\n")) {
        return Some(python);
    }
    // Made for another package list (or half made): start from an empty directory, since
    // `venv` over an existing one can leave it without a working interpreter.
    let _ = std::fs::remove_dir_all(&venv);
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status();
    if !created.is_ok_and(|s| s.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs python3 with venv for the metric cross-check"
        );
        eprintln!("note: python3 -m venv unavailable; metric cross-check skipped");
        return None;
    }
    let installed = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(PACKAGES)
        .status()
        .expect("run pip");
    assert!(
        installed.success(),
        "pip install {PACKAGES:?} failed (PyPI reachable?)"
    );
    std::fs::write(&ready, PACKAGES.join("\n")).expect("mark venv ready");
    Some(python)
}

#[test]
fn metrics_match_pytrec_eval_and_ir_measures() {
    let (qrels, run_text) = data();
    let run: Run = parse_run(&run_text, Path::new("synthetic.run")).expect("own run parses");
    let evaluation = evaluate(&run, &qrels);
    assert!(evaluation.topics > 200 && evaluation.topics_without_results > 10);
    let Some(python) = venv_python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let (qrels_path, run_path, ours_path) = (
        dir.path().join("q.qrels"),
        dir.path().join("r.run"),
        dir.path().join("ours.json"),
    );
    std::fs::write(&qrels_path, format_qrels(&qrels)).expect("write qrels");
    std::fs::write(&run_path, &run_text).expect("write run");
    // Every measure family at other cut-offs, and the paired t-test of two runs (the second:
    // the first with every score negated, so most topics change).
    let measures = parse_measures(EXTRA_MEASURES).expect("measure names");
    let extra = evaluate_measures(&run, &qrels, &measures);
    let reversed: Run = run
        .iter()
        .map(|(q, docs)| {
            (
                q.clone(),
                docs.iter().map(|(d, s)| (d.clone(), -s)).collect(),
            )
        })
        .collect();
    let other = evaluate_measures(&reversed, &qrels, &measures);
    let pairs: Vec<(f64, f64)> = extra
        .per_topic
        .iter()
        .map(|(q, v)| (v[0], other.per_topic[q][0]))
        .collect();
    let test = paired_test(&pairs);
    let ours = serde_json::json!({
        "per_topic": evaluation.per_topic, "mean": evaluation.mean, "extra": extra,
        "ttest": {"a": pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
                  "b": pairs.iter().map(|p| p.1).collect::<Vec<_>>(),
                  "t": test.t, "p": test.p_t_test},
    });
    std::fs::write(&ours_path, ours.to_string()).expect("write ours");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/crosscheck.py");
    let output = Command::new(python)
        .arg(script)
        .args([&qrels_path, &run_path, &ours_path])
        .output()
        .expect("run crosscheck.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "metrics disagree with pytrec_eval/ir_measures:\n{stdout}"
    );
    assert!(stdout.contains(" 0 mismatches"));
}
