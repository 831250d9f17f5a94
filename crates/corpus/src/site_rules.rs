//! Built-in rules that map a page of a known Debian documentation package to
//! its public URL and a readable doc_id.
//!
//! Rules match on the canonicalized corpus root joined with the page's
//! relative path, so they work whether the reader is pointed at the
//! extraction root or directly at e.g. `.../postgresql-doc-15/html`. Only
//! the part after the site's html root feeds the doc_id and URL, which keeps
//! them identical in both cases and free of machine-specific paths.

/// How a site spells its public URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrlStyle {
    /// `base + rest` with the `.html` kept (PostgreSQL, Python, Sphinx, Rust, Java, Linux).
    KeepHtml,
    /// `base + rest` without extension (git-scm.com/docs/git-cat-file).
    StripExtension,
    /// Django's directory style: `foo/bar.html` → `foo/bar/`, `foo/index.html` → `foo/`.
    Directory,
}

#[derive(Debug)]
struct SiteRule {
    /// Directory suffix identifying the html root, surrounded by slashes.
    marker: &'static str,
    site: &'static str,
    base_url: &'static str,
    style: UrlStyle,
}

const RULES: &[SiteRule] = &[
    SiteRule {
        marker: "/postgresql-doc-15/html/",
        site: "postgresql-15",
        base_url: "https://www.postgresql.org/docs/15/",
        style: UrlStyle::KeepHtml,
    },
    SiteRule {
        marker: "/python3.11/html/",
        site: "python-3.11",
        base_url: "https://docs.python.org/3.11/",
        style: UrlStyle::KeepHtml,
    },
    // The Debian package also links this name to the same tree.
    SiteRule {
        marker: "/python3.11-doc/html/",
        site: "python-3.11",
        base_url: "https://docs.python.org/3.11/",
        style: UrlStyle::KeepHtml,
    },
    SiteRule {
        marker: "/python-django-doc/html/",
        site: "django-3.2",
        base_url: "https://docs.djangoproject.com/en/3.2/",
        style: UrlStyle::Directory,
    },
    SiteRule {
        marker: "/sphinx-doc/html/",
        site: "sphinx-5",
        base_url: "https://www.sphinx-doc.org/en/5.x/",
        style: UrlStyle::KeepHtml,
    },
    SiteRule {
        marker: "/git-doc/",
        site: "git",
        base_url: "https://git-scm.com/docs/",
        style: UrlStyle::StripExtension,
    },
    // The large corpus (corpus-tools/fetch-large-corpus.sh). rust-doc 1.63.0+dfsg1 documents
    // rustc 1.63.0: doc.rust-lang.org keeps every release under its version number, with the
    // same layout (std/, core/, book/, reference/, src/ …).
    SiteRule {
        marker: "/rust-doc/html/",
        site: "rust-1.63",
        base_url: "https://doc.rust-lang.org/1.63.0/",
        style: UrlStyle::KeepHtml,
    },
    // openjdk-17-doc ships its tree under the JRE's doc directory (api/, specs/) and links
    // /usr/share/doc/openjdk-17-doc/{api,specs,index.html} to it; the walk never enters the
    // linked directories. docs.oracle.com serves the same tree under .../17/docs/.
    SiteRule {
        marker: "/openjdk-17-jre-headless/",
        site: "java-17",
        base_url: "https://docs.oracle.com/en/java/javase/17/docs/",
        style: UrlStyle::KeepHtml,
    },
    // The Sphinx output of linux-doc-6.1. kernel.org keeps each release's documentation
    // under /doc/html/v6.1/; docs.kernel.org is the latest release only, where pages of 6.1
    // have moved (arm64/ became arch/arm64/) or gone (ia64/).
    SiteRule {
        marker: "/linux-doc-6.1/html/",
        site: "linux-6.1",
        base_url: "https://www.kernel.org/doc/html/v6.1/",
        style: UrlStyle::KeepHtml,
    },
];

/// Site name used for pages no built-in rule knows.
pub(crate) const GENERIC_SITE: &str = "local";

/// Where a page belongs and how it is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageIdentity {
    pub site: String,
    pub doc_id: String,
    /// Public URL; `None` for generic pages, whose URL depends on the
    /// page's own `<link rel="canonical">` (see [`generic_url`]).
    pub url: Option<String>,
    /// Path below the site's html root ('/'-separated); the whole relative
    /// path for generic pages.
    pub site_path: String,
}

/// Identifies a page from the canonical root (absolute, '/'-separated) and
/// its path relative to that root.
pub(crate) fn identify(root_abs: &str, rel: &str) -> PageIdentity {
    let full = format!("{}/{}", root_abs.trim_end_matches('/'), rel);
    // The last matching marker wins so a package directory that repeats the
    // site name higher up (".../git-doc/usr/share/doc/git-doc/") is ignored.
    let found = RULES
        .iter()
        .filter_map(|rule| {
            full.rfind(rule.marker)
                .map(|at| (at + rule.marker.len(), rule))
        })
        .max_by_key(|(rest_start, _)| *rest_start);
    match found {
        Some((rest_start, rule)) if rest_start < full.len() => {
            let rest = &full[rest_start..];
            let stem = strip_html_extension(rest);
            let url = match rule.style {
                UrlStyle::KeepHtml => format!("{}{}", rule.base_url, rest),
                UrlStyle::StripExtension => format!("{}{}", rule.base_url, stem),
                UrlStyle::Directory => directory_url(rule.base_url, stem),
            };
            PageIdentity {
                site: rule.site.to_string(),
                doc_id: format!("{}/{}", rule.site, stem),
                url: Some(url),
                site_path: rest.to_string(),
            }
        }
        _ => PageIdentity {
            site: GENERIC_SITE.to_string(),
            doc_id: strip_html_extension(rel).to_string(),
            url: None,
            site_path: rel.to_string(),
        },
    }
}

/// URL of a generic page: its canonical link when it has one, otherwise a
/// `file:///` URL of the relative path (never the absolute one).
pub(crate) fn generic_url(rel: &str, canonical: Option<&str>) -> String {
    match canonical {
        Some(c) if !c.trim().is_empty() => c.trim().to_string(),
        _ => format!("file:///{rel}"),
    }
}

fn directory_url(base: &str, stem: &str) -> String {
    if stem == "index" {
        return base.to_string();
    }
    let dir = stem.strip_suffix("/index").unwrap_or(stem);
    format!("{base}{dir}/")
}

fn strip_html_extension(path: &str) -> &str {
    for ext in [".html", ".htm", ".HTML", ".HTM"] {
        if let Some(stem) = path.strip_suffix(ext) {
            return stem;
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &str = "/data/.cache/x";

    fn id(root: &str, rel: &str) -> (String, String, Option<String>) {
        let p = identify(root, rel);
        (p.site, p.doc_id, p.url)
    }

    #[test]
    fn postgres_from_extraction_root_and_from_html_dir() {
        let want = (
            "postgresql-15".to_string(),
            "postgresql-15/sql-createindex".to_string(),
            Some("https://www.postgresql.org/docs/15/sql-createindex.html".to_string()),
        );
        assert_eq!(
            id(
                X,
                "postgresql-doc-15/usr/share/doc/postgresql-doc-15/html/sql-createindex.html"
            ),
            want
        );
        assert_eq!(
            id(
                "/a/usr/share/doc/postgresql-doc-15/html",
                "sql-createindex.html"
            ),
            want
        );
        assert_eq!(
            id(
                "/a/usr/share/doc/postgresql-doc-15/html/",
                "sql-createindex.html"
            ),
            want
        );
    }

    #[test]
    fn python_pages() {
        let (site, doc_id, url) = id(
            X,
            "python3.11-doc/usr/share/doc/python3.11/html/library/os.html",
        );
        assert_eq!(site, "python-3.11");
        assert_eq!(doc_id, "python-3.11/library/os");
        assert_eq!(
            url.as_deref(),
            Some("https://docs.python.org/3.11/library/os.html")
        );
    }

    #[test]
    fn django_uses_directory_urls() {
        let root = "/d/python-django-doc/usr/share/doc/python-django-doc/html";
        let (_, doc_id, url) = id(root, "topics/db/queries.html");
        assert_eq!(doc_id, "django-3.2/topics/db/queries");
        assert_eq!(
            url.as_deref(),
            Some("https://docs.djangoproject.com/en/3.2/topics/db/queries/")
        );
        assert_eq!(
            id(root, "topics/index.html").2.as_deref(),
            Some("https://docs.djangoproject.com/en/3.2/topics/")
        );
        assert_eq!(
            id(root, "index.html").2.as_deref(),
            Some("https://docs.djangoproject.com/en/3.2/")
        );
        assert_eq!(id(root, "index.html").1, "django-3.2/index");
    }

    #[test]
    fn git_ignores_the_package_directory_of_the_same_name() {
        let (site, doc_id, url) = id(X, "git-doc/usr/share/doc/git-doc/git-cat-file.html");
        assert_eq!(site, "git");
        assert_eq!(doc_id, "git/git-cat-file");
        assert_eq!(
            url.as_deref(),
            Some("https://git-scm.com/docs/git-cat-file")
        );
        assert_eq!(
            id(X, "git-doc/usr/share/doc/git-doc/howto/maintain-git.html").1,
            "git/howto/maintain-git"
        );
    }

    #[test]
    fn sphinx_pages() {
        let (_, doc_id, url) = id("/s/sphinx-doc/html", "usage/quickstart.html");
        assert_eq!(doc_id, "sphinx-5/usage/quickstart");
        assert_eq!(
            url.as_deref(),
            Some("https://www.sphinx-doc.org/en/5.x/usage/quickstart.html")
        );
    }

    /// The three packages of the large corpus, from the extraction root (as
    /// fetch-large-corpus.sh lays them out) and from the html root itself.
    #[test]
    fn rust_pages_use_the_versioned_site() {
        let want = (
            "rust-1.63".to_string(),
            "rust-1.63/std/string/struct.String".to_string(),
            Some("https://doc.rust-lang.org/1.63.0/std/string/struct.String.html".to_string()),
        );
        assert_eq!(
            id(
                X,
                "rust-doc/usr/share/doc/rust-doc/html/std/string/struct.String.html"
            ),
            want
        );
        assert_eq!(
            id(
                "/a/usr/share/doc/rust-doc/html",
                "std/string/struct.String.html"
            ),
            want
        );
        let (_, doc_id, url) = id(
            X,
            "rust-doc/usr/share/doc/rust-doc/html/book/ch04-02-references-and-borrowing.html",
        );
        assert_eq!(doc_id, "rust-1.63/book/ch04-02-references-and-borrowing");
        assert_eq!(
            url.as_deref(),
            Some("https://doc.rust-lang.org/1.63.0/book/ch04-02-references-and-borrowing.html")
        );
        // Source pages keep their double extension in the URL, as rustdoc names them.
        let (_, doc_id, url) = id(
            X,
            "rust-doc/usr/share/doc/rust-doc/html/src/core/cell.rs.html",
        );
        assert_eq!(doc_id, "rust-1.63/src/core/cell.rs");
        assert_eq!(
            url.as_deref(),
            Some("https://doc.rust-lang.org/1.63.0/src/core/cell.rs.html")
        );
    }

    #[test]
    fn java_pages_come_from_the_jre_doc_directory() {
        let want = (
            "java-17".to_string(),
            "java-17/api/java.base/java/lang/String".to_string(),
            Some(
                "https://docs.oracle.com/en/java/javase/17/docs/api/java.base/java/lang/String.html"
                    .to_string(),
            ),
        );
        assert_eq!(
            id(
                X,
                "openjdk-17-doc/usr/share/doc/openjdk-17-jre-headless/api/java.base/java/lang/String.html"
            ),
            want
        );
        assert_eq!(
            id(
                "/a/usr/share/doc/openjdk-17-jre-headless",
                "api/java.base/java/lang/String.html"
            ),
            want
        );
        let (_, doc_id, url) = id(
            X,
            "openjdk-17-doc/usr/share/doc/openjdk-17-jre-headless/specs/jvmti.html",
        );
        assert_eq!(doc_id, "java-17/specs/jvmti");
        assert_eq!(
            url.as_deref(),
            Some("https://docs.oracle.com/en/java/javase/17/docs/specs/jvmti.html")
        );
        // The package's own directory only holds links to that tree: no rule of its own.
        assert_eq!(
            identify(X, "openjdk-17-doc/usr/share/doc/openjdk-17-doc/index.html").site,
            GENERIC_SITE
        );
    }

    #[test]
    fn kernel_pages_strip_the_html_root() {
        let want = (
            "linux-6.1".to_string(),
            "linux-6.1/admin-guide/README".to_string(),
            Some("https://www.kernel.org/doc/html/v6.1/admin-guide/README.html".to_string()),
        );
        assert_eq!(
            id(
                X,
                "linux-doc-6.1/usr/share/doc/linux-doc-6.1/html/admin-guide/README.html"
            ),
            want
        );
        assert_eq!(
            id(
                "/a/usr/share/doc/linux-doc-6.1/html/",
                "admin-guide/README.html"
            ),
            want
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
}
