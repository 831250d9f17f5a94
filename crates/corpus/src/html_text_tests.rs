//! Unit tests of HTML → text extraction, using fragments shaped like the
//! real PostgreSQL, Sphinx, Django and git pages.

use super::*;

/// The text extracted from a plain page with `body` as its body.
fn body_text(body: &str) -> String {
    extract_html(&format!(
        "<!DOCTYPE html><html><head><title>T</title></head><body>{body}</body></html>"
    ))
    .text
}

#[test]
fn entities_are_decoded_and_whitespace_collapsed() {
    assert_eq!(
        body_text("<p>a &amp;&amp; b &lt;c&gt;\n   d&#8217;e&nbsp;f</p>"),
        "a && b <c> d\u{2019}e f"
    );
}

#[test]
fn blocks_are_separated_by_blank_lines_and_headings_stand_alone() {
    assert_eq!(
        body_text("<h2>Title</h2><p>one <b>two</b></p><ul><li>x</li><li>y</li></ul>"),
        "Title\n\none two\n\nx\n\ny"
    );
}

#[test]
fn pre_keeps_lines_and_indentation() {
    assert_eq!(
        body_text(
            "<p>Example:</p><pre class=\"programlisting\">\nCREATE INDEX x\n    ON t (a);   \n\n\n\nSELECT 1;\n</pre>"
        ),
        "Example:\n\nCREATE INDEX x\n    ON t (a);\n\nSELECT 1;"
    );
}

#[test]
fn tables_become_rows_of_cells() {
    assert_eq!(
        body_text(
            "<table><thead><tr><th>Name</th><th>Type</th></tr></thead>\
         <tbody><tr><td><p>oid</p></td><td>oid <code>x</code></td></tr>\
         <tr><td>a<table><tr><td>n1</td><td>n2</td></tr></table></td><td></td></tr></tbody></table><p>after</p>"
        ),
        "Name | Type\noid | oid x\na n1 n2\n\nafter"
    );
}

#[test]
fn postgres_navigation_is_dropped() {
    let e = extract_html(
        "<html><head><title>CREATE INDEX</title></head><body>\
         <div class=\"navheader\"><table><tr><td><a>Prev</a></td><td><a>Up</a></td><td><a>Home</a></td><td><a>Next</a></td></tr></table></div>\
         <div class=\"refentry\"><h2>CREATE INDEX</h2><p>CREATE INDEX — define a new index</p>\
         <div class=\"toc\"><p><strong>Table of Contents</strong></p></div></div>\
         <div class=\"navfooter\"><table><tr><td>Prev</td></tr></table></div></body></html>",
    );
    assert_eq!(e.title, "CREATE INDEX");
    assert_eq!(e.text, "CREATE INDEX\n\nCREATE INDEX — define a new index");
}

#[test]
fn sphinx_chrome_is_dropped_and_main_content_kept() {
    let e = extract_html(
        "<html><head><title>os — Misc — Python 3.11.2 documentation</title>\
         <link rel=\"canonical\" href=\"https://docs.python.org/3/library/os.html\"></head><body>\
         <div class=\"related\" role=\"navigation\"><ul><li>index</li><li>modules</li><li>next</li></ul></div>\
         <div class=\"document\"><div class=\"body\" role=\"main\"><section><h1>os — Misc<a class=\"headerlink\" href=\"#\">¶</a></h1>\
         <p>Portable OS access.</p></section></div>\
         <div class=\"sphinxsidebar\"><h3>Quick search</h3><a>Show Source</a></div></div>\
         <div class=\"footer\">&copy; Copyright 2001</div></body></html>",
    );
    assert_eq!(e.title, "os — Misc");
    assert_eq!(e.text, "os — Misc\n\nPortable OS access.");
    assert_eq!(
        e.canonical_url.as_deref(),
        Some("https://docs.python.org/3/library/os.html")
    );
}

#[test]
fn git_header_is_content_but_footer_is_not() {
    let e = extract_html(
        "<html><head><title>git-cat-file(1)</title></head><body class=\"manpage\">\
         <div id=\"header\"><h1>git-cat-file(1) Manual Page</h1><h2>NAME</h2><div class=\"sectionbody\"><p>git-cat-file - Provide content</p></div></div>\
         <div id=\"content\"><div class=\"sect1\"><h2>SYNOPSIS</h2></div></div>\
         <div id=\"footer\"><div id=\"footer-text\">Last updated 2024</div></div></body></html>",
    );
    assert_eq!(
        e.text,
        "git-cat-file(1) Manual Page\n\nNAME\n\ngit-cat-file - Provide content\n\nSYNOPSIS"
    );
}

#[test]
fn title_falls_back_to_first_h1() {
    let e = extract_html(
        "<html><body><h2>Sub</h2><h1>Main <a class=\"headerlink\">¶</a></h1><p>x</p></body></html>",
    );
    assert_eq!(e.title, "Main");
}

#[test]
fn scripts_forms_and_navs_are_dropped() {
    assert_eq!(
        body_text(
            "<script>var x = 1;</script><style>p{}</style><nav>Home</nav><form><input value=go>Go</form><p>kept</p>"
        ),
        "kept"
    );
}

#[test]
fn meta_refresh_is_detected() {
    let a = analyze_html(
        "<html><head><meta http-equiv=\"Refresh\" content=\"0; url=new.html\"></head><body></body></html>",
    );
    assert!(a.meta_refresh);
    assert!(a.extracted.text.is_empty());
}

#[test]
fn garbage_input_does_not_panic() {
    for s in [
        "",
        "<",
        "<<<>>>",
        "<table><td><pre></table></pre>",
        "\u{0}\u{feff}<p>x",
        "</p></div></html>",
    ] {
        let _ = extract_html(s);
    }
    let deep = "<div>".repeat(50_000) + "deep" + &"</div>".repeat(50_000);
    assert_eq!(extract_html(&deep).text, "deep");
}
