//! The page shell every console page shares: head, navigation, skip link and footer, the
//! stylesheet (compiled into the binary, so the console works offline) and the
//! Content-Security-Policy the server sends with every `/ui` response.
use maud::{DOCTYPE, Markup, html};

/// The console's stylesheet, served at `/ui/assets/console.css`.
pub const STYLESHEET: &str = include_str!("assets/console.css");

/// Sent with every `/ui` response: no script of any origin runs, styles and images come only
/// from this server (charts are inline SVG), forms post back here only, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The navigation: path, label, access key.
const NAV: [(&str, &str, &str); 5] = [
    ("/ui/search", "Search", "s"),
    ("/ui/compare", "Compare", "c"),
    ("/ui/snapshot", "Snapshot", "n"),
    ("/ui/sessions", "Sessions", "e"),
    ("/ui/dashboards", "Dashboards", "d"),
];

/// A whole page: `active` is the navigation path to mark as current.
pub(crate) fn page(title: &str, active: &str, snapshot: Option<&str>, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · driftless" }
                link rel="stylesheet" href="/ui/assets/console.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/ui/search" { "driftless" }
                    nav aria-label="Console" {
                        ul {
                            @for (path, label, key) in NAV {
                                li {
                                    a href=(path) accesskey=(key)
                                        aria-current=[(path == active).then_some("page")] { (label) }
                                }
                            }
                        }
                    }
                    @if let Some(id) = snapshot {
                        span.snapshot title="snapshot id" { "snapshot " code { (short_id(id)) } }
                    }
                }
                main #main { (body) }
                footer {
                    "Read-only console of this server · "
                    a href="/docs" { "API reference" } " · "
                    a href="/openapi.yaml" { "OpenAPI" }
                }
            }
        }
    }
}

/// The first 12 hex digits of a snapshot id (the full id is in a `title`).
pub(crate) fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// A page that only says what went wrong and what to do (`code` as in the API's errors).
pub fn error_page(title: &str, code: &str, message: &str) -> Markup {
    page(
        title,
        "",
        None,
        &html! {
            h1 { (title) }
            (notice(code, message))
        },
    )
}

/// A refusal or failure shown inside a page, with the API's error code.
pub(crate) fn notice(code: &str, message: &str) -> Markup {
    html! {
        div.notice role="alert" {
            strong { code { (code) } } " " (message)
        }
    }
}

/// A labelled `<select>` whose options are `(value, label)`; `""` means "the default".
pub(crate) fn select(name: &str, label: &str, current: &str, options: &[(&str, &str)]) -> Markup {
    html! {
        label for=(name) { (label) }
        select id=(name) name=(name) {
            @for (value, text) in options {
                option value=(value) selected[*value == current] { (text) }
            }
        }
    }
}

/// A labelled text input.
pub(crate) fn input(name: &str, label: &str, current: &str, kind: &str, hint: &str) -> Markup {
    html! {
        label for=(name) { (label) }
        input id=(name) name=(name) type=(kind) value=(current) placeholder=(hint);
    }
}

/// Mode choices (empty = the snapshot's default).
pub(crate) const MODES: [(&str, &str); 5] = [
    ("", "default"),
    ("bm25", "bm25"),
    ("dense", "dense"),
    ("dense_exact", "dense_exact"),
    ("hybrid", "hybrid"),
];
/// Unit choices.
pub(crate) const UNITS: [(&str, &str); 3] = [
    ("", "doc (default)"),
    ("doc", "doc"),
    ("passage", "passage"),
];
