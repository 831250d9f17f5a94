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
#[path = "site_rules_tests.rs"]
mod tests;
