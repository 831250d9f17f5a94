//! Unit tests of the site rules: each Debian doc package from its extraction root and
//! from its html root, and pages no rule claims.

use super::*;

const X: &str = "/data/.cache/x";

fn id(root: &str, rel: &str) -> (String, String, Option<String>) {
    let p = identify(root, rel);
    (p.site, p.doc_id, p.url)
}

/// Asserts that every `(root, rel)` names the same page of `site`.
fn assert_page(places: &[(&str, &str)], site: &str, doc_id: &str, url: &str) {
    let want = (site.to_string(), doc_id.to_string(), Some(url.to_string()));
    for (root, rel) in places {
        assert_eq!(id(root, rel), want, "{root} {rel}");
    }
}

/// Asserts the doc id and URL of one page.
fn assert_doc(root: &str, rel: &str, doc_id: &str, url: &str) {
    let (_, got_id, got_url) = id(root, rel);
    assert_eq!(
        (got_id.as_str(), got_url.as_deref()),
        (doc_id, Some(url)),
        "{root} {rel}"
    );
}

#[test]
fn postgres_from_extraction_root_and_from_html_dir() {
    assert_page(
        &[
            (
                X,
                "postgresql-doc-15/usr/share/doc/postgresql-doc-15/html/sql-createindex.html",
            ),
            (
                "/a/usr/share/doc/postgresql-doc-15/html",
                "sql-createindex.html",
            ),
            (
                "/a/usr/share/doc/postgresql-doc-15/html/",
                "sql-createindex.html",
            ),
        ],
        "postgresql-15",
        "postgresql-15/sql-createindex",
        "https://www.postgresql.org/docs/15/sql-createindex.html",
    );
}

#[test]
fn python_pages() {
    assert_page(
        &[(
            X,
            "python3.11-doc/usr/share/doc/python3.11/html/library/os.html",
        )],
        "python-3.11",
        "python-3.11/library/os",
        "https://docs.python.org/3.11/library/os.html",
    );
}

#[test]
fn django_uses_directory_urls() {
    let root = "/d/python-django-doc/usr/share/doc/python-django-doc/html";
    for (rel, doc_id, url) in [
        (
            "topics/db/queries.html",
            "django-3.2/topics/db/queries",
            "https://docs.djangoproject.com/en/3.2/topics/db/queries/",
        ),
        (
            "topics/index.html",
            "django-3.2/topics/index",
            "https://docs.djangoproject.com/en/3.2/topics/",
        ),
        (
            "index.html",
            "django-3.2/index",
            "https://docs.djangoproject.com/en/3.2/",
        ),
    ] {
        assert_doc(root, rel, doc_id, url);
    }
}

#[test]
fn git_ignores_the_package_directory_of_the_same_name() {
    assert_page(
        &[(X, "git-doc/usr/share/doc/git-doc/git-cat-file.html")],
        "git",
        "git/git-cat-file",
        "https://git-scm.com/docs/git-cat-file",
    );
    assert_eq!(
        id(X, "git-doc/usr/share/doc/git-doc/howto/maintain-git.html").1,
        "git/howto/maintain-git"
    );
}

#[test]
fn sphinx_pages() {
    assert_doc(
        "/s/sphinx-doc/html",
        "usage/quickstart.html",
        "sphinx-5/usage/quickstart",
        "https://www.sphinx-doc.org/en/5.x/usage/quickstart.html",
    );
}

/// The three packages of the large corpus, from the extraction root (as
/// fetch-large-corpus.sh lays them out) and from the html root itself.
#[test]
fn rust_pages_use_the_versioned_site() {
    assert_page(
        &[
            (
                X,
                "rust-doc/usr/share/doc/rust-doc/html/std/string/struct.String.html",
            ),
            (
                "/a/usr/share/doc/rust-doc/html",
                "std/string/struct.String.html",
            ),
        ],
        "rust-1.63",
        "rust-1.63/std/string/struct.String",
        "https://doc.rust-lang.org/1.63.0/std/string/struct.String.html",
    );
    assert_doc(
        X,
        "rust-doc/usr/share/doc/rust-doc/html/book/ch04-02-references-and-borrowing.html",
        "rust-1.63/book/ch04-02-references-and-borrowing",
        "https://doc.rust-lang.org/1.63.0/book/ch04-02-references-and-borrowing.html",
    );
    // Source pages keep their double extension in the URL, as rustdoc names them.
    assert_doc(
        X,
        "rust-doc/usr/share/doc/rust-doc/html/src/core/cell.rs.html",
        "rust-1.63/src/core/cell.rs",
        "https://doc.rust-lang.org/1.63.0/src/core/cell.rs.html",
    );
}

#[test]
fn java_pages_come_from_the_jre_doc_directory() {
    assert_page(
        &[
            (
                X,
                "openjdk-17-doc/usr/share/doc/openjdk-17-jre-headless/api/java.base/java/lang/String.html",
            ),
            (
                "/a/usr/share/doc/openjdk-17-jre-headless",
                "api/java.base/java/lang/String.html",
            ),
        ],
        "java-17",
        "java-17/api/java.base/java/lang/String",
        "https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/lang/String.html",
    );
    assert_doc(
        X,
        "openjdk-17-doc/usr/share/doc/openjdk-17-jre-headless/specs/jvmti.html",
        "java-17/specs/jvmti",
        "https://docs.oracle.com/en/java/javase/17/docs/specs/jvmti.html",
    );
    // The package's own directory only holds links to that tree: no rule of its own.
    assert_eq!(
        identify(X, "openjdk-17-doc/usr/share/doc/openjdk-17-doc/index.html").site,
        GENERIC_SITE
    );
}

#[test]
fn kernel_pages_strip_the_html_root() {
    assert_page(
        &[
            (
                X,
                "linux-doc-6.1/usr/share/doc/linux-doc-6.1/html/admin-guide/README.html",
            ),
            (
                "/a/usr/share/doc/linux-doc-6.1/html/",
                "admin-guide/README.html",
            ),
        ],
        "linux-6.1",
        "linux-6.1/admin-guide/README",
        "https://www.kernel.org/doc/html/v6.1/admin-guide/README.html",
    );
    let p = identify(
        X,
        "linux-doc-6.1/usr/share/doc/linux-doc-6.1/html/index.html",
    );
    assert_eq!(p.doc_id, "linux-6.1/index");
    assert_eq!(p.site_path, "index.html");
    // The package's other files (Documentation/ with the reStructuredText sources) are
    // not the site.
    assert_eq!(
        identify(
            X,
            "linux-doc-6.1/usr/share/doc/linux-doc-6.1/Documentation/x.html"
        )
        .site,
        GENERIC_SITE
    );
}

#[test]
fn generic_pages_use_relative_paths() {
    let p = identify("/home/me/site", "a/b.htm");
    assert_eq!(p.site, GENERIC_SITE);
    assert_eq!(p.doc_id, "a/b");
    assert!(p.url.is_none());
    assert_eq!(generic_url("a/b.htm", None), "file:///a/b.htm");
    assert_eq!(
        generic_url("a/b.htm", Some(" https://e.org/b ")),
        "https://e.org/b"
    );
}
