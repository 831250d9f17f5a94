//! `driftless quickstart`'s command line: which corpus, snapshot directories and pages.
use super::*;
use clap::Parser;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: QuickstartArgs,
}

fn parse(flags: &[&str]) -> Result<QuickstartArgs, clap::Error> {
    let argv = ["quickstart", "--cache", "/c"].iter().chain(flags);
    Cli::try_parse_from(argv).map(|c| c.args)
}

/// (corpus dir, snapshot dir, dense, include) of a command line.
fn plan(flags: &[&str]) -> (String, String, bool, Vec<String>) {
    let args = parse(flags).expect("parses");
    (
        args.corpus_dir().display().to_string(),
        args.snapshot_dir().display().to_string(),
        args.wants_dense(),
        args.include(),
    )
}

#[test]
fn default_corpus_is_unchanged() {
    let subset: Vec<String> = QUICKSTART_SUBSET.iter().map(|p| p.to_string()).collect();
    let dense = ("/c/corpus/default", "/c/snapshots/default", true, subset);
    assert_eq!(plan(&[]), plan(&["--corpus", "default"]));
    let (corpus, snapshot, wants_dense, include) = plan(&[]);
    assert_eq!(
        (corpus.as_str(), snapshot.as_str(), wants_dense, include),
        dense
    );
    assert_eq!(
        plan(&["--no-dense"]),
        (
            "/c/corpus/default".into(),
            "/c/snapshots/default-bm25".into(),
            false,
            vec![]
        )
    );
    assert_eq!(
        plan(&["--full"]),
        (
            "/c/corpus/default".into(),
            "/c/snapshots/default-full".into(),
            true,
            vec![]
        )
    );
}

/// The BM25 snapshot served while dense builds covers the same pages as the dense one.
#[test]
fn bm25_first_has_the_dense_snapshots_pages() {
    let first = |flags: &[&str]| {
        let args = parse(flags).expect("parses");
        (
            args.first_snapshot_dir().display().to_string(),
            args.include(),
        )
    };
    let subset: Vec<String> = QUICKSTART_SUBSET.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        first(&[]),
        ("/c/snapshots/default-subset-bm25".into(), subset)
    );
    // Over a whole corpus that is the --no-dense snapshot itself.
    assert_eq!(first(&["--full"]).0, plan(&["--no-dense"]).1);
    assert_eq!(
        first(&["--corpus", "large", "--full"]).0,
        plan(&["--corpus", "large"]).1
    );
}

#[test]
fn large_corpus_is_bm25_unless_full() {
    let bm25 = (
        "/c/corpus/large".to_string(),
        "/c/snapshots/large-bm25".to_string(),
        false,
        Vec::<String>::new(),
    );
    assert_eq!(plan(&["--corpus", "large"]), bm25);
    assert_eq!(plan(&["--corpus", "large", "--no-dense"]), bm25);
    let full = (
        "/c/corpus/large".to_string(),
        "/c/snapshots/large-full".to_string(),
        true,
        Vec::<String>::new(),
    );
    assert_eq!(plan(&["--corpus", "large", "--full"]), full);
    assert_eq!(plan(&["--corpus", "large", "--dense"]), full);
    assert_eq!(
        CorpusChoice::Large.fetch_script_name(),
        "fetch-large-corpus.sh"
    );
}

#[test]
fn unknown_corpora_and_conflicts_are_refused() {
    let err = parse(&["--corpus", "huge"]).expect_err("refused");
    assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
    assert!(err.to_string().contains("large"), "{err}");
    let err = parse(&["--corpus", "large", "--full", "--no-dense"]).expect_err("refused");
    assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
}
