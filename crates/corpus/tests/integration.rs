//! End-to-end tests of the HTML reader on a small tree laid out like the Debian doc
//! packages, plus an optional run over the real trees (the other formats: tests/streaming).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use driftless_corpus::{
    DESCRIPTION_FILE, Document, Format, HeuristicTokenCounter, ReadItem, ReaderOptions, SkipReason,
    SplitterConfig, describe, open_corpus, split_passages, write_description,
};

/// Documents and skips of a corpus, keyed by relative path.
type ReadResult = (BTreeMap<String, Document>, BTreeMap<String, SkipReason>);

type TestResult = Result<(), Box<dyn std::error::Error>>;

const NAV_WORDS: &[&str] = &[
    "Prev",
    "Home",
    "Table of Contents",
    "Quick search",
    "Show Source",
    "Copyright",
    "previous",
    "Last updated",
    "¶",
];

fn build_tree(root: &Path) -> std::io::Result<()> {
    let pg = "postgresql-doc-15/usr/share/doc/postgresql-doc-15/html";
    common::write(root, &format!("{pg}/sql-createindex.html"), common::postgres_page(
        "CREATE INDEX",
        "<div class=\"refnamediv\"><h2><span class=\"refentrytitle\">CREATE INDEX</span></h2><p>CREATE INDEX — define a new index</p></div>\
         <pre class=\"synopsis\">\nCREATE [ UNIQUE ] INDEX [ CONCURRENTLY ] name\n    ON table_name\n</pre>\
         <table><tr><th>Option</th><th>Meaning</th></tr><tr><td>fillfactor</td><td>page fill</td></tr></table>",
    ).as_bytes())?;
    common::write(
        root,
        &format!("{pg}/bookindex.html"),
        common::postgres_page("Index", "<h1>Index</h1><p>A, B</p>").as_bytes(),
    )?;
    common::write(root, &format!("{pg}/release-prior.html"), common::postgres_page(
        "E.22. Prior Releases",
        "<h2>E.22. Prior Releases</h2><p>Release notes for prior release branches can be found at https://www.postgresql.org/docs/release/</p>",
    ).as_bytes())?;
    let py = "python3.11-doc/usr/share/doc/python3.11/html";
    common::write(root, &format!("{py}/library/os.html"), common::sphinx_page(
        "os — Miscellaneous operating system interfaces", "Python 3.11.2",
        "<p>This module provides a portable way of using operating system dependent functionality.</p>",
    ).as_bytes())?;
    common::write(
        root,
        &format!("{py}/genindex-A.html"),
        common::sphinx_page("Index – A", "Python 3.11.2", "<p>abs</p>").as_bytes(),
    )?;
    common::write(
        root,
        &format!("{py}/search.html"),
        common::sphinx_page("Search", "Python 3.11.2", "<p>Searching</p>").as_bytes(),
    )?;
    let dj = "python-django-doc/usr/share/doc/python-django-doc/html";
    common::write(
        root,
        &format!("{dj}/topics/db/queries.html"),
        common::django_page(
            "Making queries",
            "<p>Once you have created your data models, Django gives you an API.</p>",
        )
        .as_bytes(),
    )?;
    common::write(
        root,
        &format!("{dj}/index.html"),
        common::django_page("Django documentation", "<p>Everything you need.</p>").as_bytes(),
    )?;
    let git = "git-doc/usr/share/doc/git-doc";
    common::write(root, &format!("{git}/git-cat-file.html"), common::git_page(
        "git-cat-file", "<div class=\"sect1\"><h2>DESCRIPTION</h2><div class=\"sectionbody\"><p>Provide content for repository objects.</p></div></div>",
    ).as_bytes())?;
    let sx = "sphinx-doc/usr/share/doc/sphinx-doc/html";
    common::write(
        root,
        &format!("{sx}/faq.html"),
        common::sphinx_page("Sphinx FAQ", "Sphinx", "<p>How do I make a PDF?</p>").as_bytes(),
    )?;
    // Bad inputs.
    common::write(
        root,
        "other/bad-utf8.html",
        b"<html><body><p>caf\xe9</p></body></html>",
    )?;
    common::write(
        root,
        "other/cut.html",
        b"<html><head><title>Cut</title></head><body><p>This page was cut off",
    )?;
    common::write(
        root,
        "other/empty.html",
        b"<html><body><script>x()</script></body></html>",
    )?;
    common::write(
        root,
        "other/big.html",
        format!("<html><body><p>{}</p></body></html>", "big ".repeat(2000)).as_bytes(),
    )?;
    common::write(root, "other/plain.htm", b"<html><head><link rel=\"canonical\" href=\"https://example.org/plain\"></head><body><p>Plain page.</p></body></html>")?;
    Ok(())
}

fn read_all(
    root: &Path,
    options: &ReaderOptions,
) -> Result<ReadResult, Box<dyn std::error::Error>> {
    let mut docs = BTreeMap::new();
    let mut skips = BTreeMap::new();
    for item in open_corpus(root, Format::Auto, options)? {
        match item {
            ReadItem::Document(d) => {
                docs.insert(d.metadata.get("path").cloned().unwrap_or_default(), d);
            }
            ReadItem::Skipped(s) => {
                skips.insert(s.source, s.reason);
            }
        }
    }
    Ok((docs, skips))
}

fn find<'a>(docs: &'a BTreeMap<String, Document>, suffix: &str) -> Result<&'a Document, String> {
    docs.iter()
        .find(|(p, _)| p.ends_with(suffix))
        .map(|(_, d)| d)
        .ok_or_else(|| format!("no document for {suffix}"))
}

#[test]
fn debian_shaped_tree_reads_with_site_rules() -> TestResult {
    let tmp = tempfile::tempdir()?;
    build_tree(tmp.path())?;
    let options = ReaderOptions {
        max_page_bytes: 4000,
        ..ReaderOptions::default()
    };
    let corpus = open_corpus(tmp.path(), Format::Auto, &options)?;
    assert_eq!(corpus.format(), Format::Html);
    assert_eq!(corpus.len_hint(), Some(15));
    let (docs, skips) = read_all(tmp.path(), &options)?;

    let expect = [
        (
            "sql-createindex.html",
            "postgresql-15/sql-createindex",
            "https://www.postgresql.org/docs/15/sql-createindex.html",
            "CREATE INDEX",
        ),
        (
            "library/os.html",
            "python-3.11/library/os",
            "https://docs.python.org/3.11/library/os.html",
            "os — Miscellaneous operating system interfaces",
        ),
        (
            "topics/db/queries.html",
            "django-3.2/topics/db/queries",
            "https://docs.djangoproject.com/en/3.2/topics/db/queries/",
            "Making queries",
        ),
        (
            "html/index.html",
            "django-3.2/index",
            "https://docs.djangoproject.com/en/3.2/",
            "Django documentation",
        ),
        (
            "git-cat-file.html",
            "git/git-cat-file",
            "https://git-scm.com/docs/git-cat-file",
            "git-cat-file(1)",
        ),
        (
            "faq.html",
            "sphinx-5/faq",
            "https://www.sphinx-doc.org/en/5.x/faq.html",
            "Sphinx FAQ",
        ),
        (
            "other/plain.htm",
            "other/plain",
            "https://example.org/plain",
            "plain",
        ),
    ];
    for (suffix, doc_id, url, title) in expect {
        let d = find(&docs, suffix)?;
        assert_eq!(
            (d.doc_id.as_str(), d.url.as_str(), d.title.as_str()),
            (doc_id, url, title),
            "{suffix}"
        );
        for nav in NAV_WORDS {
            assert!(
                !d.text.contains(nav),
                "{suffix} contains {nav:?}:\n{}",
                d.text
            );
        }
        assert!(d.metadata.contains_key("site"));
    }
    // Synopses keep their line breaks and indentation; tables become `a | b` rows.
    let pg = find(&docs, "sql-createindex.html")?;
    for kept in [
        "CREATE [ UNIQUE ] INDEX [ CONCURRENTLY ] name\n    ON table_name",
        "Option | Meaning\nfillfactor | page fill",
    ] {
        assert!(pg.text.contains(kept), "{kept:?} lost:\n{}", pg.text);
    }
    let git = find(&docs, "git-cat-file.html")?;
    assert!(
        git.text
            .starts_with("git-cat-file(1) Manual Page\n\nNAME\n\ngit-cat-file - does a thing")
    );

    let reasons: Vec<(&str, SkipReason)> = skips
        .iter()
        .map(|(p, r)| (p.rsplit('/').next().unwrap_or(p), *r))
        .collect();
    assert_eq!(
        reasons,
        [
            ("bad-utf8.html", SkipReason::InvalidUtf8),
            ("big.html", SkipReason::TooLarge),
            ("cut.html", SkipReason::Truncated),
            ("empty.html", SkipReason::Empty),
            ("bookindex.html", SkipReason::IndexPage),
            ("release-prior.html", SkipReason::RedirectStub),
            ("genindex-A.html", SkipReason::IndexPage),
            ("search.html", SkipReason::IndexPage),
        ]
    );
    Ok(())
}

#[test]
fn pointing_at_a_site_directory_gives_the_same_ids() -> TestResult {
    let tmp = tempfile::tempdir()?;
    build_tree(tmp.path())?;
    let html = tmp
        .path()
        .join("postgresql-doc-15/usr/share/doc/postgresql-doc-15/html");
    let (docs, _) = read_all(&html, &ReaderOptions::default())?;
    let d = find(&docs, "sql-createindex.html")?;
    assert_eq!(d.doc_id, "postgresql-15/sql-createindex");
    assert_eq!(
        d.metadata.get("path").map(String::as_str),
        Some("sql-createindex.html")
    );
    Ok(())
}

#[test]
fn include_prefixes_restrict_an_html_corpus() -> TestResult {
    let tmp = tempfile::tempdir()?;
    build_tree(tmp.path())?;
    let (all, all_skips) = read_all(tmp.path(), &ReaderOptions::default())?;
    let options = ReaderOptions {
        include: vec!["postgresql-doc-15/".into()],
        ..ReaderOptions::default()
    };
    let (some, some_skips) = read_all(tmp.path(), &options)?;
    assert!(!some.is_empty() && some.len() < all.len());
    assert!(
        some.keys()
            .all(|path| path.starts_with("postgresql-doc-15/"))
    );
    assert!(
        some_skips
            .keys()
            .all(|path| path.starts_with("postgresql-doc-15/"))
    );
    assert!(some_skips.len() <= all_skips.len());
    // The included pages read exactly as they do in the whole corpus.
    for (path, doc) in &some {
        assert_eq!(all.get(path).map(|d| &d.text), Some(&doc.text));
    }
    // A JSONL corpus cannot be filtered by path: a clear error, not a silent no-op.
    let jsonl = tmp.path().join("c.jsonl");
    std::fs::write(&jsonl, "{\"id\":\"a\",\"contents\":\"x\"}\n")?;
    let error = open_corpus(&jsonl, Format::Auto, &options).unwrap_err();
    assert!(error.to_string().contains("--include"), "{error}");
    Ok(())
}

#[test]
fn description_file_overrides_rules_and_keep_flagged_reads_flagged_pages() -> TestResult {
    let tmp = tempfile::tempdir()?;
    build_tree(tmp.path())?;
    let mut pages = describe(tmp.path())?;
    assert!(pages.windows(2).all(|w| w[0].path < w[1].path));
    pages.retain(|p| p.site == "python-3.11");
    pages.reverse();
    if let Some(first) = pages.first_mut() {
        first.doc_id = "custom/id".into();
    }
    write_description(tmp.path(), &pages)?;
    assert!(tmp.path().join(DESCRIPTION_FILE).exists());
    let keep = ReaderOptions {
        keep_flagged: true,
        ..ReaderOptions::default()
    };
    let items: Vec<ReadItem> = open_corpus(tmp.path(), Format::Html, &keep)?.collect();
    let ids: Vec<String> = items
        .iter()
        .filter_map(ReadItem::document)
        .map(|d| d.doc_id.clone())
        .collect();
    assert_eq!(
        ids,
        [
            "custom/id",
            "python-3.11/library/os",
            "python-3.11/genindex-A"
        ]
    );
    Ok(())
}

/// Runs over the real extracted Debian trees when they are present.
#[test]
fn real_debian_trees_when_present() -> TestResult {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/x");
    if !base.is_dir() {
        println!(
            "note: {} not found; skipping the real-tree test",
            base.display()
        );
        return Ok(());
    }
    let sites = [
        (
            "postgresql-doc-15",
            "postgresql-doc-15/usr/share/doc/postgresql-doc-15/html",
        ),
        (
            "python3.11-doc",
            "python3.11-doc/usr/share/doc/python3.11/html",
        ),
        (
            "python-django-doc",
            "python-django-doc/usr/share/doc/python-django-doc/html",
        ),
        ("git-doc", "git-doc/usr/share/doc/git-doc"),
        ("sphinx-doc", "sphinx-doc/usr/share/doc/sphinx-doc/html"),
    ];
    let splitter = SplitterConfig::default();
    for (name, rel) in sites {
        let dir = base.join(rel);
        if !dir.is_dir() {
            println!("note: {name} missing");
            continue;
        }
        let started = Instant::now();
        let (mut n_docs, mut n_passages, mut bytes) = (0u64, 0u64, 0u64);
        let mut skips: BTreeMap<&str, u64> = BTreeMap::new();
        for item in open_corpus(&dir, Format::Html, &ReaderOptions::default())? {
            match item {
                ReadItem::Document(d) => {
                    n_docs += 1;
                    bytes += d.text.len() as u64;
                    n_passages +=
                        split_passages(&d.text, &splitter, &HeuristicTokenCounter).len() as u64;
                    assert!(
                        !d.text
                            .lines()
                            .any(|l| ["Quick search", "Show Source", "Navigation"]
                                .contains(&l.trim())),
                        "{}",
                        d.doc_id
                    );
                    if name == "postgresql-doc-15" && d.doc_id == "postgresql-15/sql-createindex" {
                        assert_eq!(
                            d.url,
                            "https://www.postgresql.org/docs/15/sql-createindex.html"
                        );
                        assert!(d.title.contains("CREATE INDEX"));
                        assert!(d.text.contains("CONCURRENTLY"));
                        assert!(!d.text.lines().any(|l| l.trim_start().starts_with("Prev")));
                    }
                }
                ReadItem::Skipped(s) => {
                    if s.reason == SkipReason::RedirectStub {
                        println!("  redirect stub: {}", s.source);
                    }
                    *skips.entry(s.reason.as_str()).or_default() += 1;
                }
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{name}: {n_docs} documents, {n_passages} passages, {:.1} MB text, skips {skips:?}, {secs:.2}s ({:.0} pages/s incl. splitting)",
            bytes as f64 / 1e6,
            (n_docs + skips.values().sum::<u64>()) as f64 / secs.max(1e-9)
        );
        assert!(n_docs > 100, "{name}: only {n_docs} documents");
    }
    Ok(())
}
