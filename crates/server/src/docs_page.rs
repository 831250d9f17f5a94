//! `GET /docs`: the OpenAPI document rendered as one self-contained HTML page.
//!
//! Rendered here from the generated document (no JavaScript, no CDN, no assets), so it works
//! on an offline machine and can never disagree with `/openapi.yaml`. It walks the JSON form
//! of the document: operations in path order, then every schema with its properties.
use std::fmt::Write as _;
use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

const METHODS: &[&str] = &["get", "post", "put", "delete", "patch"];

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}\
code{background:#f3f3f3;padding:0 .2em;border-radius:3px}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}\
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f7f7f7}\
.op{border-top:2px solid #eee;padding-top:.5rem}.m{display:inline-block;min-width:3.5rem;font-weight:bold;color:#fff;\
border-radius:3px;text-align:center;margin-right:.5rem}.get{background:#2a7ab0}.post{background:#2f8f46}\
nav li{list-style:none}a{color:#1a5f8f}";

/// The page, rendered once.
pub(crate) fn docs_html() -> &'static str {
    static HTML: LazyLock<String> = LazyLock::new(|| {
        let document = serde_json::to_value(crate::openapi::openapi()).unwrap_or(Value::Null);
        render(&document)
    });
    &HTML
}

/// Browsable API documentation.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "probes",
    responses((status = 200, description = "This API's documentation as one HTML page (no scripts, no external assets).", body = String, content_type = "text/html"))
)]
pub async fn docs() -> Response {
    let content_type = HeaderValue::from_static("text/html; charset=utf-8");
    ([(header::CONTENT_TYPE, content_type)], docs_html()).into_response()
}

/// Renders an OpenAPI 3.x document (JSON form) as HTML.
pub(crate) fn render(document: &Value) -> String {
    let title = text(&document["info"]["title"]);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{} API</title>\
         <style>{STYLE}</style></head><body><h1>{} <small>{}</small></h1><p>{}</p>\
         <p>Machine-readable: <a href=\"/openapi.yaml\">/openapi.yaml</a></p>",
        escape(&title),
        escape(&title),
        escape(&text(&document["info"]["version"])),
        prose(&text(&document["info"]["description"])),
    );
    let operations = operations(document);
    out.push_str("<h2>Operations</h2><nav><ul>");
    for (method, path, operation) in &operations {
        let _ = write!(
            out,
            "<li><a href=\"#{}\"><span class=\"m {method}\">{}</span>{}</a> {}</li>",
            anchor(method, path),
            method.to_uppercase(),
            escape(path),
            escape(&first_line(operation)),
        );
    }
    out.push_str("</ul></nav>");
    for (method, path, operation) in &operations {
        render_operation(&mut out, method, path, operation);
    }
    out.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = document["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            render_schema(&mut out, name, schema);
        }
    }
    out.push_str("</body></html>\n");
    out
}

fn operations(document: &Value) -> Vec<(&'static str, String, &Value)> {
    let mut list = Vec::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(operation) = item.get(*method) {
                    list.push((*method, path.clone(), operation));
                }
            }
        }
    }
    list
}

fn render_operation(out: &mut String, method: &str, path: &str, operation: &Value) {
    let _ = write!(
        out,
        "<section class=\"op\" id=\"{}\"><h3><span class=\"m {method}\">{}</span><code>{}</code></h3><p>{}</p>",
        anchor(method, path),
        method.to_uppercase(),
        escape(path),
        prose(&[text(&operation["summary"]), text(&operation["description"])].join(" ")),
    );
    if let Some(parameters) = operation["parameters"].as_array().filter(|p| !p.is_empty()) {
        out.push_str(
            "<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>",
        );
        for parameter in parameters {
            let required = if parameter["required"] == true {
                " (required)"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<tr><td><code>{}</code>{required}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&text(&parameter["name"])),
                escape(&text(&parameter["in"])),
                type_of(&parameter["schema"]),
                prose(&text(&parameter["description"])),
            );
        }
        out.push_str("</table>");
    }
    if let Some(content) = operation["requestBody"]["content"].as_object() {
        for (media, body) in content {
            let _ = write!(
                out,
                "<p>Request body (<code>{}</code>): {}. {}</p>",
                escape(media),
                type_of(&body["schema"]),
                prose(&text(&operation["requestBody"]["description"])),
            );
        }
    }
    if let Some(responses) = operation["responses"].as_object() {
        out.push_str("<table><tr><th>Status</th><th>Body</th><th>Description</th></tr>");
        for (status, response) in responses {
            let body = response["content"]
                .as_object()
                .and_then(|content| content.values().next())
                .map_or_else(String::new, |media| type_of(&media["schema"]));
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{body}</td><td>{}</td></tr>",
                escape(status),
                prose(&text(&response["description"])),
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

fn render_schema(out: &mut String, name: &str, schema: &Value) {
    let _ = write!(
        out,
        "<section id=\"schema-{}\"><h3>{}</h3><p>{}</p>",
        escape(name),
        escape(name),
        prose(&text(&schema["description"])),
    );
    if let Some(properties) = schema["properties"].as_object() {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        out.push_str("<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>");
        for (field, property) in properties {
            let mark = if required.contains(&field.as_str()) {
                " (required)"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<tr><td><code>{}</code>{mark}</td><td>{}</td><td>{}</td></tr>",
                escape(field),
                type_of(property),
                prose(&text(&property["description"])),
            );
        }
        out.push_str("</table>");
    } else {
        let _ = write!(out, "<p>Type: {}</p>", type_of(schema));
    }
    out.push_str("</section>");
}

/// A short type expression with links to the schemas it names.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#schema-{0}\">{0}</a>", escape(name));
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema[combinator].as_array() {
            return variants.iter().map(type_of).collect::<Vec<_>>().join(" | ");
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", escape(&text(v))))
            .collect();
        return format!("one of {}", values.join(", "));
    }
    let types: Vec<String> = match &schema["type"] {
        Value::Array(types) => types.iter().map(text).collect(),
        Value::String(one) => vec![one.clone()],
        _ => vec!["any".to_string()],
    };
    types
        .iter()
        .map(|kind| match kind.as_str() {
            "array" => format!("array of {}", type_of(&schema["items"])),
            other => escape(other),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn first_line(operation: &Value) -> String {
    let summary = text(&operation["summary"]);
    summary.lines().next().unwrap_or_default().to_string()
}

fn anchor(method: &str, path: &str) -> String {
    let slug: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{method}{slug}")
}

/// Escaped text with `code spans` kept as `<code>`.
fn prose(value: &str) -> String {
    escape(value.trim())
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

fn escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
