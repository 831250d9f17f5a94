//! Detection of pages that are not worth indexing: generated indexes and
//! tables of contents (`index_page`) and redirect or "moved to" notices
//! (`redirect_stub`). Both are skipped by default because they would match
//! almost any query without answering it.

use crate::html_text::PageAnalysis;
use crate::site_rules::PageIdentity;

/// Flag name for generated index / search / table-of-contents pages.
pub(crate) const INDEX_PAGE: &str = "index_page";
/// Flag name for redirect and "moved to" stubs.
pub(crate) const REDIRECT_STUB: &str = "redirect_stub";

/// File names of pages Sphinx and DocBook generate as indexes.
const INDEX_FILE_NAMES: &[&str] = &[
    "search.html",
    "py-modindex.html",
    "modindex.html",
    "np-modindex.html",
    "bookindex.html",
    "genindex.html",
];

/// Pages that are a site's whole table of contents, per site: Sphinx's
/// `contents.html` and `_modules/index.html` ("Overview: module code"),
/// PostgreSQL's `index.html` (the book ToC), git's `technical/api-index.html`.
const SITE_INDEX_PAGES: &[(&str, &str)] = &[
    ("python-3.11", "contents.html"),
    ("django-3.2", "contents.html"),
    ("django-3.2", "_modules/index.html"),
    ("sphinx-5", "contents.html"),
    ("sphinx-5", "_modules/index.html"),
    ("postgresql-15", "index.html"),
    ("git", "technical/api-index.html"),
    // rustdoc's per-crate item lists, its settings and 404 pages, and each mdBook's
    // print.html (the whole book again on one page; rust-by-example/hello/print.html is a
    // chapter).
    ("rust-1.63", "std/all.html"),
    ("rust-1.63", "core/all.html"),
    ("rust-1.63", "alloc/all.html"),
    ("rust-1.63", "proc_macro/all.html"),
    ("rust-1.63", "test/all.html"),
    ("rust-1.63", "settings.html"),
    ("rust-1.63", "not_found.html"),
    ("rust-1.63", "book/print.html"),
    ("rust-1.63", "book/2018-edition/print.html"),
    ("rust-1.63", "book/first-edition/print.html"),
    ("rust-1.63", "book/second-edition/print.html"),
    ("rust-1.63", "edition-guide/print.html"),
    ("rust-1.63", "embedded-book/print.html"),
    ("rust-1.63", "nomicon/print.html"),
    ("rust-1.63", "reference/print.html"),
    ("rust-1.63", "rust-by-example/print.html"),
    ("rust-1.63", "rustc/print.html"),
    ("rust-1.63", "rustdoc/print.html"),
    ("rust-1.63", "unstable-book/print.html"),
    // Javadoc's overview (the module list) and its generated lists; per package and per
    // class see JAVADOC_INDEX_NAMES.
    ("java-17", "api/index.html"),
    ("java-17", "api/allclasses-index.html"),
    ("java-17", "api/allpackages-index.html"),
    ("java-17", "api/overview-tree.html"),
    ("java-17", "api/deprecated-list.html"),
    ("java-17", "api/new-list.html"),
    ("java-17", "api/preview-list.html"),
];

/// Javadoc's generated cross-references: the A-Z index (`index-files/`), "Uses of Class X"
/// (`class-use/`, 4,672 pages in Java 17, up to 170k words each), "Uses of Package" and the
/// per-package class hierarchy. They name a type on every line without describing it.
fn is_javadoc_index(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path.starts_with("api/index-files/")
        || path.contains("/class-use/")
        || name == "package-use.html"
        || name == "package-tree.html"
}

/// Phrases of a tiny page that only points elsewhere.
const MOVED_PHRASES: &[&str] = &[
    "has moved",
    "moved to",
    "has been moved",
    "can be found at",
    "now lives at",
    "now located at",
    "redirecting to",
];

/// A page with at most this many words can be a "moved to" stub; real
/// content pages that mention a move are longer than this.
const STUB_MAX_WORDS: usize = 40;

/// True when the path alone marks the page as a generated index.
pub(crate) fn is_index_path(identity: &PageIdentity) -> bool {
    let path = identity.site_path.as_str();
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if INDEX_FILE_NAMES.contains(&lower.as_str()) {
        return true;
    }
    // genindex-A.html, genindex-all.html, genindex-Symbols.html …
    if lower.starts_with("genindex-") && lower.ends_with(".html") {
        return true;
    }
    if identity.site == "java-17" && is_javadoc_index(path) {
        return true;
    }
    SITE_INDEX_PAGES
        .iter()
        .any(|(site, p)| *site == identity.site && *p == path)
}

/// True when the content is a meta-refresh redirect or a tiny "moved" notice.
pub(crate) fn is_redirect_stub(analysis: &PageAnalysis) -> bool {
    if analysis.meta_refresh {
        return true;
    }
    let text = &analysis.extracted.text;
    if text.split_whitespace().nth(STUB_MAX_WORDS).is_some() {
        return false;
    }
    let lower = text.to_lowercase();
    MOVED_PHRASES.iter().any(|p| lower.contains(p))
}

/// All flags of a page, in a fixed order.
pub(crate) fn page_flags(identity: &PageIdentity, analysis: &PageAnalysis) -> Vec<String> {
    let mut flags = Vec::new();
    if is_redirect_stub(analysis) {
        flags.push(REDIRECT_STUB.to_string());
    }
    if is_index_path(identity) {
        flags.push(INDEX_PAGE.to_string());
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html_text::analyze_html;
    use crate::site_rules::identify;

    fn flags_of(root: &str, rel: &str, html: &str) -> Vec<String> {
        page_flags(&identify(root, rel), &analyze_html(html))
    }

    const NORMAL: &str = "<html><body><p>Ordinary content.</p></body></html>";

    /// Asserts the flags of pages with ordinary content below `root`: [`INDEX_PAGE`]
    /// for `indexes`, none for `pages`.
    fn assert_indexes(root: &str, indexes: &[&str], pages: &[&str]) {
        for rel in indexes {
            assert_eq!(flags_of(root, rel, NORMAL), [INDEX_PAGE], "{root} {rel}");
        }
        for rel in pages {
            assert!(flags_of(root, rel, NORMAL).is_empty(), "{root} {rel}");
        }
    }

    #[test]
    fn generated_indexes_are_flagged() {
        assert_indexes(
            "/x/python3.11/html",
            &[
                "genindex.html",
                "genindex-A.html",
                "genindex-all.html",
                "search.html",
                "py-modindex.html",
                "contents.html",
            ],
            &[],
        );
        assert_indexes(
            "/x/postgresql-doc-15/html",
            &["bookindex.html", "index.html"],
            &[],
        );
        assert_indexes("/x/python-django-doc/html", &["_modules/index.html"], &[]);
    }

    #[test]
    fn large_corpus_indexes_are_flagged() {
        assert_indexes(
            "/x/rust-doc/html",
            &["std/all.html", "book/print.html", "settings.html"],
            &[
                "std/index.html",
                "std/vec/struct.Vec.html",
                "rust-by-example/hello/print.html",
                "error-index.html",
            ],
        );
        let java = "/x/openjdk-17-jre-headless";
        assert_indexes(
            java,
            &[
                "api/index.html",
                "api/index-files/index-19.html",
                "api/allclasses-index.html",
                "api/java.base/java/lang/class-use/String.html",
                "api/java.base/java/util/package-use.html",
                "api/java.base/java/util/package-tree.html",
            ],
            &[
                "api/java.base/java/lang/String.html",
                "api/java.base/java/util/package-summary.html",
                "api/java.base/module-summary.html",
                "api/constant-values.html",
                "specs/jvmti.html",
            ],
        );
        assert_indexes(
            "/x/linux-doc-6.1/html",
            &["genindex.html", "search.html"],
            &["admin-guide/README.html"],
        );
        // The JDK docs' home page and its Debian link are meta-refresh redirects.
        let refresh = "<html><head><meta http-equiv=\"refresh\" content=\"0;url=api/index.html\"></head></html>";
        assert_eq!(flags_of(java, "index.html", refresh), [REDIRECT_STUB]);
        assert_eq!(
            flags_of("/x/openjdk-17-doc", "index.html", refresh),
            [REDIRECT_STUB]
        );
    }

    #[test]
    fn ordinary_pages_are_not_flagged() {
        assert_indexes(
            "/x/python3.11/html",
            &[],
            &["library/os.html", "library/index.html"],
        );
        assert_indexes("/x/other", &[], &["contents.html"]);
    }

    #[test]
    fn redirects_are_flagged() {
        let refresh = "<html><head><meta http-equiv=\"refresh\" content=\"0;URL='new.html'\"></head><body>Redirecting</body></html>";
        assert_eq!(flags_of("/x/other", "old.html", refresh), [REDIRECT_STUB]);
        let moved = "<html><body><h2>E.22. Prior Releases</h2><p>Release notes for prior release branches can be found at https://www.postgresql.org/docs/release/</p></body></html>";
        assert_eq!(
            flags_of("/x/postgresql-doc-15/html", "release-prior.html", moved),
            [REDIRECT_STUB]
        );
    }

    #[test]
    fn long_pages_mentioning_a_move_are_not_stubs() {
        let long = format!(
            "<html><body><p>The file has moved to a new place. {}</p></body></html>",
            "word ".repeat(60)
        );
        assert!(flags_of("/x/other", "a.html", &long).is_empty());
    }
}
