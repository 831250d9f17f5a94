//! TSV and CSV lines of public query logs, turned into the same JSON objects JSONL lines
//! give, so one code path (`minimal`) reads every format.
use serde_json::{Map, Value};

use super::ImportFormat;

/// Splits one TSV/CSV line. CSV: a field may be `"quoted"`, with `""` for a quote inside.
pub(super) fn split_fields(line: &str, format: ImportFormat) -> Vec<String> {
    if format == ImportFormat::Tsv {
        return line.split('\t').map(str::to_string).collect();
    }
    let (mut fields, mut field, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
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
