//! One record → one [`Document`], shared by the record formats (JSONL, Parquet, TSV) so
//! that they agree on which fields are looked up, in which order, and on the errors.
//!
//! Defaults: id from `id`, `_id` or `docid` (first present); text from `text`, else
//! `contents` (Search-R1 / Pyserini, whose first line may be a double-quoted title);
//! `title`; `url`. A [`FieldMap`] entry replaces the default lookup of its field.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::document::{Document, SkipReason};
use crate::options::FieldMap;

/// Why a record is not a document.
pub(crate) type RecordError = (SkipReason, String);

/// Default source names of the id, in lookup order.
const ID_NAMES: [&str; 3] = ["id", "_id", "docid"];

/// Read access to one record's named fields.
pub(crate) trait RecordFields {
    /// The string value of `name`: `Ok(None)` when absent or null, an error when it is
    /// present with another type or cannot be decoded.
    fn text(&self, name: &str) -> Result<Option<&str>, RecordError>;

    /// The id in `name`, a string or an integer rendered in decimal; `Ok(None)` when
    /// absent or null.
    fn id(&self, name: &str) -> Result<Option<String>, RecordError>;

    /// True when the record has the field at all (even null): tells "no such field"
    /// apart from "empty" in messages.
    fn has(&self, name: &str) -> bool;
}

fn invalid(why: String) -> RecordError {
    (SkipReason::InvalidRecord, why)
}

/// Builds the document for one record; `metadata` says where it came from.
pub(crate) fn build_document(
    record: &impl RecordFields,
    fields: &FieldMap,
    metadata: BTreeMap<String, String>,
) -> Result<Document, RecordError> {
    let id = find_id(record, fields)?;
    let title = match &fields.title {
        Some(name) => record.text(name)?,
        None => record.text("title")?,
    };
    // Borrowed from the record except where the quoted-title rule splits `contents`.
    let (title, text): (Cow<'_, str>, Cow<'_, str>) = match &fields.text {
        // A mapped text field is taken as it is: the quoted-title rule belongs to the
        // `contents` shape only.
        Some(name) => match record.text(name)? {
            Some(text) => (title.unwrap_or("").into(), text.into()),
            None => return Err(invalid(format!("needs {name:?}"))),
        },
        None => match (title, record.text("text")?, record.text("contents")?) {
            (title, Some(text), _) => (title.unwrap_or("").into(), text.into()),
            // A blank `title` (exporters write `"title": ""`) says nothing: the quoted
            // first line of `contents` still names the page, as in Search-R1's wiki-18.
            (Some(title), None, Some(contents)) if !title.trim().is_empty() => {
                (title.into(), contents.into())
            }
            (_, None, Some(contents)) => {
                let (title, text) = split_quoted_title(contents);
                (title.into(), text.into())
            }
            (_, None, None) => return Err(invalid("needs \"text\" or \"contents\"".into())),
        },
    };
    let text = text.trim();
    if text.is_empty() {
        return Err((SkipReason::Empty, "record has no text".into()));
    }
    let url = match record.text(fields.url.as_deref().unwrap_or("url"))? {
        Some(u) if !u.trim().is_empty() => u.trim().to_string(),
        _ => format!("urn:driftless:{id}"),
    };
    Ok(Document {
        doc_id: id,
        url,
        title: title.split_whitespace().collect::<Vec<_>>().join(" "),
        text: text.to_string(),
        metadata,
    })
}

/// The trimmed, non-empty id from the mapped field or the first default name present.
fn find_id(record: &impl RecordFields, fields: &FieldMap) -> Result<String, RecordError> {
    let mapped;
    let names: &[&str] = match &fields.id {
        Some(name) => {
            mapped = [name.as_str()];
            &mapped
        }
        None => &ID_NAMES,
    };
    for name in names {
        match record.id(name)? {
            Some(id) if !id.trim().is_empty() => return Ok(id.trim().to_string()),
            Some(_) => {
                return Err(invalid(format!(
                    "{name:?} must be a non-empty string or an integer"
                )));
            }
            None if record.has(name) => {
                return Err(invalid(format!("{name:?} is null")));
            }
            None => {}
        }
    }
    Err(invalid(match &fields.id {
        Some(name) => format!("missing {name:?}"),
        None => "missing \"id\" (or \"_id\", \"docid\")".into(),
    }))
}

/// Search-R1 style `contents`: `"Title"\nbody`. Without that shape the
/// whole string is the text and the title is empty.
pub(crate) fn split_quoted_title(contents: &str) -> (String, String) {
    let (first, rest) = contents.split_once('\n').unwrap_or((contents, ""));
    let first = first.trim();
    if first.len() >= 2 && first.starts_with('"') && first.ends_with('"') {
        let title = &first[1..first.len() - 1];
        return (title.to_string(), rest.to_string());
    }
    (String::new(), contents.to_string())
}
