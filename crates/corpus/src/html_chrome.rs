//! Which parts of a page are site chrome rather than content, where the
//! content starts, and how page titles are cleaned. The rules were read off
//! the real Debian doc trees (PostgreSQL DocBook, Sphinx for Python, Django
//! and Sphinx itself, AsciiDoc for git) and stay generic enough for other
//! static documentation sites.

use scraper::node::Element;

/// Elements that never carry readable body text.
const DROPPED_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "iframe", "form", "button", "nav", "header",
    "footer", "aside", "head", "select", "input", "textarea", "object", "embed", "canvas",
    "dialog",
];

/// Classes that mark chrome on the known sites:
/// PostgreSQL `navheader`/`navfooter` (Prev/Up/Home/Next tables) and `toc` /
/// `list-of-*` (chapter tables of contents); Sphinx `related` (the
/// "previous | next | modules | index" bar), `sphinxsidebar`, `footer`,
/// `headerlink` (the `¶` permalinks), `pageheader`, the Python theme's
/// `mobile-nav`/`menu-wrapper`/`inline-search`; Django's `nav` bars.
const DROPPED_CLASSES: &[&str] = &[
    "navheader",
    "navfooter",
    "toc",
    "list-of-tables",
    "list-of-figures",
    "list-of-examples",
    "list-of-equations",
    "related",
    "sphinxsidebar",
    "sphinxsidebarwrapper",
    "footer",
    "headerlink",
    "pageheader",
    "mobile-nav",
    "menu-wrapper",
    "inline-search",
    "this-page-menu",
    "nav",
];

/// Ids that mark chrome: git's AsciiDoc `footer` ("Last updated …") and
/// `toc`, Django's `hd`/`ft` header/footer and `sidebar`, Sphinx `searchbox`.
/// Git's `#header` is deliberately absent: it holds the page's NAME section.
const DROPPED_IDS: &[&str] = &[
    "footer",
    "footer-text",
    "toc",
    "toctitle",
    "searchbox",
    "hd",
    "ft",
    "sidebar",
    "global-nav",
    "sidebarbutton",
];

/// True when the element and its whole subtree are chrome.
pub(crate) fn is_dropped(el: &Element) -> bool {
    let name = el.name();
    if DROPPED_TAGS.contains(&name) {
        return true;
    }
    if let Some(id) = el.id()
        && DROPPED_IDS.contains(&id)
    {
        return true;
    }
    if el.classes().any(|c| DROPPED_CLASSES.contains(&c)) {
        return true;
    }
    // ARIA-marked navigation/search regions are chrome whatever their tag.
    matches!(
        el.attr("role"),
        Some("navigation" | "search" | "contentinfo" | "banner")
    )
}

/// True for the element that wraps the main content on the known themes:
/// Sphinx `div.body` / `role="main"`, Django's `#yui-main`, HTML5 `<main>`.
/// Pages without one (PostgreSQL, git) are read from `<body>` with chrome dropped.
pub(crate) fn is_content_root(el: &Element) -> bool {
    el.attr("role") == Some("main")
        || el.name() == "main"
        || el.id() == Some("yui-main")
        || (el.name() == "div" && el.classes().any(|c| c == "body"))
}

/// Elements that start a new block of text.
pub(crate) fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "section"
            | "article"
            | "main"
            | "body"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "blockquote"
            | "figure"
            | "figcaption"
            | "caption"
            | "hr"
            | "address"
            | "details"
            | "summary"
            | "center"
            | "table"
            | "tr"
            | "pre"
            | "fieldset"
            | "legend"
    )
}

/// True for `h1`..`h6`.
pub(crate) fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

const EM_DASH_SEP: &str = " \u{2014} ";

/// Cleans a `<title>`: collapses whitespace and removes the site suffix
/// Sphinx appends (" — Python 3.11.2 documentation") and the prefix the
/// PostgreSQL website uses ("PostgreSQL: Documentation: 15: "). Only these
/// exact shapes are stripped, so unknown sites keep their title verbatim.
pub(crate) fn clean_title(raw: &str) -> String {
    let mut title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(rest) = title.strip_prefix("PostgreSQL: Documentation: ")
        && let Some((_, after)) = rest.split_once(": ")
    {
        title = after.to_string();
    }
    if let Some(idx) = title.rfind(EM_DASH_SEP) {
        let suffix = &title[idx + EM_DASH_SEP.len()..];
        if idx > 0 && suffix.to_lowercase().ends_with("documentation") {
            title.truncate(idx);
        }
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sphinx_suffix_is_stripped_once() {
        assert_eq!(
            clean_title(
                "os — Miscellaneous operating system interfaces — Python 3.11.2 documentation"
            ),
            "os — Miscellaneous operating system interfaces"
        );
        assert_eq!(
            clean_title("Making queries \u{2014} Django 3.2.25 documentation"),
            "Making queries"
        );
        assert_eq!(
            clean_title("Sphinx FAQ — Sphinx documentation"),
            "Sphinx FAQ"
        );
    }

    #[test]
    fn postgres_prefix_is_stripped() {
        assert_eq!(
            clean_title("PostgreSQL: Documentation: 15: CREATE INDEX"),
            "CREATE INDEX"
        );
        assert_eq!(clean_title("CREATE INDEX"), "CREATE INDEX");
    }

    #[test]
    fn unknown_titles_are_kept_but_whitespace_collapsed() {
        assert_eq!(clean_title("  git-cat-file(1)\n "), "git-cat-file(1)");
        assert_eq!(clean_title("A — B"), "A — B");
        assert_eq!(clean_title(" — documentation"), "— documentation");
    }
}
