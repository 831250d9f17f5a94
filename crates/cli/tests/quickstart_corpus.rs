//! `driftless quickstart --corpus default|large` through the binary, without downloading:
//! quickstart runs `corpus-tools/<script>` from its working directory first, so each test
//! runs it in a directory whose stand-in scripts record how they were called and lay out a
//! few pages the way the Debian packages do. The real fetch, build and numbers of the large
//! corpus are in docs/large-corpus.md.
use std::path::Path;
use std::process::Output;

// The binary with no model, runtime or data directory to find by accident, and its checks.
#[allow(dead_code)]
#[path = "first_hour/common.rs"]
mod common;
#[path = "support/http.rs"]
mod http;

use common::{assert_success, driftless, search, stderr};

/// `quickstart --no-serve <flags>` in `dir`.
fn quickstart(dir: &Path, flags: &[&str]) -> Output {
    driftless(dir)
        .args(["quickstart", "--no-serve"])
        .args(flags)
        .output()
        .expect("run quickstart")
}

/// A page in the html roots of the large corpus' packages.
const LARGE_PAGES: &[(&str, &str)] = &[
    (
        "rust-doc/usr/share/doc/rust-doc/html/book/ch04-02-references-and-borrowing.html",
        "<html><head><title>References and Borrowing</title></head><body><main><p>The borrow checker rejects a mutable borrow while an immutable borrow is alive.</p></main></body></html>",
    ),
    (
        "openjdk-17-doc/usr/share/doc/openjdk-17-jre-headless/api/java.base/java/util/HashMap.html",
        "<html><head><title>HashMap</title></head><body><main><p>Hash table based implementation of the Map interface; the borrow of a key is not a thing here.</p></main></body></html>",
    ),
    (
        "openjdk-17-doc/usr/share/doc/openjdk-17-jre-headless/api/java.base/java/util/class-use/HashMap.html",
        "<html><head><title>Uses of Class java.util.HashMap</title></head><body><p>HashMap HashMap HashMap</p></body></html>",
    ),
    (
        "openjdk-17-doc/usr/share/doc/openjdk-17-jre-headless/index.html",
        "<!DOCTYPE html> <html lang=\"en\"> <head> <meta http-equiv=\"refresh\" content=\"0;url=api/index.html\"> </head> </html>",
    ),
    (
        "linux-doc-6.1/usr/share/doc/linux-doc-6.1/html/admin-guide/README.html",
        "<html><head><title>Linux kernel release 6.x</title></head><body><main><p>Borrow a configuration with make oldconfig before building the kernel.</p></main></body></html>",
    ),
    (
        "linux-doc-6.1/usr/share/doc/linux-doc-6.1/html/genindex.html",
        "<html><head><title>Index</title></head><body><p>borrow kernel index</p></body></html>",
    ),
];

/// `corpus-tools/<script>` in `dir`: records its arguments in `<script>.args` and writes
/// `pages` under its DEST argument, with a `.complete` marker per package like the real one.
fn stand_in_fetch(dir: &Path, script: &str, pages: &[(&str, &str)]) {
    let tools = dir.join("corpus-tools");
    std::fs::create_dir_all(&tools).expect("mkdir corpus-tools");
    let mut body = format!(
        "set -euo pipefail\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/{script}.args\"\nDEST=$1\n"
    );
    for (path, html) in pages {
        let parent = Path::new(path).parent().expect("parent").display();
        let package = path.split('/').next().expect("package");
        body.push_str(&format!(
            "mkdir -p \"$DEST/{parent}\"\ncat > \"$DEST/{path}\" <<'PAGE'\n{html}\nPAGE\necho 'Package: {package}' > \"$DEST/{package}/.complete\"\n"
        ));
    }
    std::fs::write(tools.join(script), body).expect("write script");
}

/// Lines of the description quickstart wrote for the corpus at `dir`.
fn description(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("driftless-corpus.jsonl"))
        .expect("description written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

#[test]
fn help_names_both_corpora_and_says_large_is_bm25_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = driftless(dir.path())
        .args(["quickstart", "--help"])
        .output()
        .expect("run quickstart --help");
    assert_success(&output);
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--corpus <CORPUS>"), "{help}");
    assert!(help.contains("[default: default]"), "{help}");
    assert!(help.contains("large"), "{help}");
    assert!(help.contains("BM25-only"), "{help}");
}

#[test]
fn an_unknown_corpus_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    stand_in_fetch(dir.path(), "fetch-large-corpus.sh", LARGE_PAGES);
    let output = quickstart(dir.path(), &["--corpus", "huge"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("possible values: default, large"),
        "{message}"
    );
    assert!(!dir.path().join(".cache").exists());
    assert!(
        !dir.path()
            .join("corpus-tools/fetch-large-corpus.sh.args")
            .exists()
    );
}

/// `--corpus large`: the large fetch script with `<cache>/corpus/large`, the description with
/// the three sites' canonical URLs and flags, a BM25-only build (no model fetched: there is no
/// fetch-model.sh here, so trying would fail) into `<cache>/snapshots/large-bm25`.
#[test]
fn large_fetches_its_own_corpus_and_builds_bm25_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    stand_in_fetch(dir.path(), "fetch-large-corpus.sh", LARGE_PAGES);
    let output = quickstart(dir.path(), &["--corpus", "large"]);
    assert_success(&output);
    let args = std::fs::read_to_string(dir.path().join("corpus-tools/fetch-large-corpus.sh.args"))
        .expect("the large script ran");
    assert_eq!(args.trim(), ".cache/corpus/large");
    assert!(!dir.path().join(".cache/corpus/default").exists());

    let pages = description(&dir.path().join(".cache/corpus/large"));
    let urls: Vec<(&str, &str, &str)> = pages
        .iter()
        .map(|p| {
            (
                p["doc_id"].as_str().unwrap_or_default(),
                p["url"].as_str().unwrap_or_default(),
                p["flags"]
                    .as_array()
                    .and_then(|f| f.first())
                    .and_then(|f| f.as_str())
                    .unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        urls,
        [
            (
                "linux-6.1/admin-guide/README",
                "https://www.kernel.org/doc/html/v6.1/admin-guide/README.html",
                ""
            ),
            (
                "linux-6.1/genindex",
                "https://www.kernel.org/doc/html/v6.1/genindex.html",
                "index_page"
            ),
            (
                "java-17/api/java.base/java/util/HashMap",
                "https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/util/HashMap.html",
                ""
            ),
            (
                "java-17/api/java.base/java/util/class-use/HashMap",
                "https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/util/class-use/HashMap.html",
                "index_page"
            ),
            (
                "java-17/index",
                "https://docs.oracle.com/en/java/javase/17/docs/index.html",
                "redirect_stub"
            ),
            (
                "rust-1.63/book/ch04-02-references-and-borrowing",
                "https://doc.rust-lang.org/1.63.0/book/ch04-02-references-and-borrowing.html",
                ""
            ),
        ]
    );

    let snapshot = dir.path().join(".cache/snapshots/large-bm25");
    assert!(
        snapshot.join("manifest.json").is_file(),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join(".cache/snapshots/large-full").exists());
    let searched = search(dir.path(), &snapshot, "borrow")
        .args(["-k", "10"])
        .output()
        .expect("run search");
    assert_success(&searched);
    let body: serde_json::Value = serde_json::from_slice(&searched.stdout).expect("search JSON");
    let mut found: Vec<&str> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["url"].as_str())
        .collect();
    found.sort_unstable();
    assert_eq!(
        found,
        [
            "https://doc.rust-lang.org/1.63.0/book/ch04-02-references-and-borrowing.html",
            "https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/util/HashMap.html",
            "https://www.kernel.org/doc/html/v6.1/admin-guide/README.html",
        ],
        "flagged pages are not indexed"
    );
}

/// No `--corpus` is `--corpus default`: the default script and directories, as before.
#[test]
fn default_is_the_default_corpus() {
    for flags in [
        &["--no-dense"][..],
        &["--no-dense", "--corpus", "default"][..],
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        stand_in_fetch(
            dir.path(),
            "fetch-default-corpus.sh",
            &[(
                "postgresql-doc-15/usr/share/doc/postgresql-doc-15/html/sql-vacuum.html",
                "<html><head><title>VACUUM</title></head><body><p>VACUUM reclaims storage occupied by dead tuples.</p></body></html>",
            )],
        );
        let output = quickstart(dir.path(), flags);
        assert_success(&output);
        let args =
            std::fs::read_to_string(dir.path().join("corpus-tools/fetch-default-corpus.sh.args"))
                .expect("the default script ran");
        assert_eq!(args.trim(), ".cache/corpus/default", "{flags:?}");
        let pages = description(&dir.path().join(".cache/corpus/default"));
        assert_eq!(
            pages[0]["url"],
            "https://www.postgresql.org/docs/15/sql-vacuum.html"
        );
        assert!(
            dir.path()
                .join(".cache/snapshots/default-bm25/manifest.json")
                .is_file()
        );
        assert!(!dir.path().join(".cache/corpus/large").exists());
    }
}
