//! Small pages shaped like the real Debian doc trees (chrome copied in
//! shape, text written for the tests) and helpers to lay them out.

use std::fs;
use std::path::Path;

pub fn write(root: &Path, rel: &str, content: &[u8]) -> std::io::Result<()> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, content)
}

pub fn postgres_page(title: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<!DOCTYPE html><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>{title}</title></head>\
         <body id=\"docContent\"><div class=\"navheader\"><table summary=\"Navigation header\"><tr><th colspan=\"5\">{title}</th></tr>\
         <tr><td><a accesskey=\"p\" href=\"a.html\">Prev</a> </td><td><a accesskey=\"u\" href=\"b.html\">Up</a></td><th>SQL Commands</th>\
         <td><a accesskey=\"h\" href=\"index.html\">Home</a></td><td> <a accesskey=\"n\" href=\"c.html\">Next</a></td></tr></table><hr /></div>\
         <div class=\"refentry\">{body}</div><div class=\"navfooter\"><hr /><table summary=\"Navigation footer\"><tr><td><a>Prev</a> </td>\
         <td><a>Up</a></td><td> <a>Next</a></td></tr></table></div></body></html>"
    )
}

pub fn sphinx_page(title: &str, project: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\" /><title>{title} &#8212; {project} documentation</title></head><body>\
         <div class=\"mobile-nav\"><nav class=\"nav-content\" role=\"navigation\"><form role=\"search\"><input aria-label=\"Quick search\"/></form></nav></div>\
         <div class=\"related\" role=\"navigation\"><h3>Navigation</h3><ul><li class=\"right\"><a href=\"genindex.html\">index</a></li>\
         <li class=\"right\"><a>modules</a> |</li><li class=\"right\"><a>next</a> |</li><li class=\"right\"><a>previous</a> |</li></ul></div>\
         <div class=\"document\"><div class=\"documentwrapper\"><div class=\"bodywrapper\"><div class=\"body\" role=\"main\">\
         <section id=\"s\"><h1>{title}<a class=\"headerlink\" href=\"#s\" title=\"Permalink to this heading\">¶</a></h1>{body}</section></div></div></div>\
         <div class=\"sphinxsidebar\" role=\"navigation\"><div class=\"sphinxsidebarwrapper\"><h3><a>Table of Contents</a></h3>\
         <div role=\"note\"><h3>This Page</h3><ul class=\"this-page-menu\"><li><a>Show Source</a></li></ul></div>\
         <div id=\"searchbox\" role=\"search\"><h3 id=\"searchlabel\">Quick search</h3></div></div></div></div>\
         <div class=\"footer\">&copy; <a>Copyright</a> 2001-2026, Someone.</div></body></html>"
    )
}

pub fn django_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><title>{title} &#8212; Django 3.2.25 documentation</title></head><body><div class=\"document\">\
         <div id=\"custom-doc\" class=\"yui-t6\"><div id=\"hd\"><h1><a>Django 3.2.25 documentation</a></h1>\
         <div id=\"global-nav\"><a>Home</a> | <a>Table of contents</a> | <a>Index</a> | <a>Modules</a></div>\
         <div class=\"nav\">&laquo; <a>previous</a> | <a>up</a> | <a>next</a> &raquo;</div></div>\
         <div id=\"bd\"><div id=\"yui-main\"><div class=\"yui-b\"><div class=\"yui-g\"><div class=\"section\"><h1>{title}<a class=\"headerlink\">¶</a></h1>{body}</div></div></div></div>\
         <div class=\"yui-b\" id=\"sidebar\"><div class=\"sphinxsidebar\" role=\"navigation\"><h3>Contents</h3><div id=\"searchbox\"><h3>Quick search</h3></div></div></div></div>\
         <div id=\"ft\"><div class=\"nav\">&laquo; <a>previous</a> | <a>up</a> | <a>next</a> &raquo;</div></div></div></div></body></html>"
    )
}

pub fn git_page(name: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE html><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>{name}(1)</title>\
         <style type=\"text/css\">body {{ margin: 1em; }}</style><script type=\"text/javascript\">var asciidoc = {{}};</script></head>\
         <body class=\"manpage\"><div id=\"header\"><h1>{name}(1) Manual Page</h1><h2>NAME</h2><div class=\"sectionbody\"><p>{name} - does a thing</p></div></div>\
         <div id=\"content\">{body}</div><div id=\"footnotes\"><hr /></div><div id=\"footer\"><div id=\"footer-text\">Last updated 2024-05-31 00:35:55 UTC</div></div></body></html>"
    )
}
