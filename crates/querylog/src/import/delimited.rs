//! TSV and CSV lines of public query logs, turned into the same JSON objects JSONL lines
//! give, so one code path (`minimal`) reads every format.
use std::borrow::Cow;
use std::io::BufRead;

use serde_json::{Map, Value};

use super::ImportFormat;

/// Splits one TSV line or CSV record (RFC 4180, by the `csv` crate: a field may be
/// `"quoted"`, with `""` for a quote inside and line breaks within the quotes).
pub(super) fn split_fields(record: &str, format: ImportFormat) -> Vec<String> {
    if format == ImportFormat::Tsv {
        // Public TSV logs (AOL) quote nothing: a `"` is part of the query.
        return record.split('\t').map(str::to_string).collect();
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(record.as_bytes());
    let mut fields = csv::StringRecord::new();
    match reader.read_record(&mut fields) {
        Ok(true) => fields.iter().map(str::to_string).collect(),
        // Valid UTF-8 in, one record asked for: only an empty record lands here.
        _ => vec![String::new()],
    }
}

/// Whether a CSV text ends inside a quoted field: quotes are balanced in a complete record,
/// since a quote inside a field is written twice.
pub(super) fn inside_quotes(text: &str) -> bool {
    text.bytes().filter(|b| *b == b'"').count() % 2 == 1
}

/// Reads the lines that complete a CSV record begun by `first` (a quoted field holding line
/// breaks), counting them in `number`. The record keeps its line breaks as `\n`.
pub(super) fn continue_record<R: BufRead>(
    reader: &mut R,
    first: &str,
    number: &mut u64,
) -> Result<Cow<'static, str>, String> {
    let mut record = first.to_string();
    let mut line = Vec::new();
    while inside_quotes(&record) {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(|e| e.to_string())?
            == 0
        {
            return Err("the file ends inside a quoted field".into());
        }
        *number += 1;
        let text = std::str::from_utf8(&line).map_err(|e| format!("invalid UTF-8: {e}"))?;
        record.push('\n');
        record.push_str(text.trim_end_matches(['\n', '\r']));
    }
    Ok(Cow::Owned(record))
}

pub(super) fn fields_to_object(
    names: &[String],
    line: &str,
    format: ImportFormat,
) -> Result<Map<String, Value>, String> {
    let fields = split_fields(line, format);
    if fields.len() > names.len() {
        return Err(format!(
            "{} fields but the header names {}",
            fields.len(),
            names.len()
        ));
    }
    // Short rows are allowed (AOL omits trailing click columns); empty cells are absent.
    Ok(names
        .iter()
        .zip(fields)
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), Value::String(v)))
        .collect())
}
