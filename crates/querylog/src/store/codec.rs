//! The reversible text escape both backends store strings with.
//!
//! Postgres `text` and `jsonb` cannot hold U+0000 (the insert fails with SQLSTATE 22021 or
//! 22P05), yet a client can put a NUL into any query, document id or URL it sends, and the
//! log must keep exactly what was asked. So every string stored — text columns, and every
//! string and object key inside the JSON columns — goes through [`encode`]:
//!
//! - a string without NUL that does not start with [`MARKER`] is stored as is (all
//!   ordinary traffic: rows stay readable and greppable in SQL);
//! - otherwise it is stored as `MARKER` followed by the string with `%` written `%25` and
//!   NUL written `%00`.
//!
//! [`decode`] undoes it, so reading back gives the exact original string. The marker starts
//! with U+FFFF, a Unicode noncharacter ("reserved for internal use"), which no text a client
//! means to send contains; a string that does start with the marker is escaped too, so the
//! mapping is a bijection. SQLite could hold NUL, but both backends store the same form, so
//! a row means the same wherever it is read or copied.
use std::borrow::Cow;

use serde_json::{Map, Value};

/// Prefix of an escaped string.
pub(crate) const MARKER: &str = "\u{FFFF}esc:";

/// The stored form of `text`.
pub(crate) fn encode(text: &str) -> Cow<'_, str> {
    if !text.contains('\0') && !text.starts_with(MARKER) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(MARKER.len() + text.len() + 8);
    out.push_str(MARKER);
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\0' => out.push_str("%00"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The original of a stored string; `Err` describes an escape that [`encode`] never makes.
pub(crate) fn decode(stored: String) -> Result<String, String> {
    let Some(body) = stored.strip_prefix(MARKER) else {
        return Ok(stored);
    };
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        match rest.get(at + 1..at + 3) {
            Some("25") => out.push('%'),
            Some("00") => out.push('\0'),
            other => {
                return Err(format!(
                    "bad escape %{} in a stored string",
                    other.unwrap_or("")
                ));
            }
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

/// [`encode`] for an optional column.
pub(crate) fn encode_opt(text: Option<&String>) -> Option<Cow<'_, str>> {
    text.map(|t| encode(t))
}

/// [`decode`] for an optional column.
pub(crate) fn decode_opt(stored: Option<String>) -> Result<Option<String>, String> {
    stored.map(decode).transpose()
}

/// A JSON value with every string and object key encoded.
pub(crate) fn encode_json(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(encode(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(encode_json).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (encode(k).into_owned(), encode_json(v)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

/// The inverse of [`encode_json`].
pub(crate) fn decode_json(value: Value) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => Value::String(decode(s)?),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(decode_json)
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(decode(k)?, decode_json(v)?);
            }
            Value::Object(out)
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_awkward_string() {
        let cases = [
            "",
            "plain query",
            "100% sure",
            "\0",
            "a\0b%00c%25",
            "\u{FFFF}esc:",
            "\u{FFFF}esc:%00",
            "\u{FFFF}",
            "\u{1}\u{7f}\t\r\n\u{FFFE}é😀",
        ];
        for case in cases {
            let stored = encode(case);
            assert!(!stored.contains('\0'), "{case:?} stored with a NUL");
            assert_eq!(decode(stored.into_owned()).as_deref(), Ok(case), "{case:?}");
        }
        // Ordinary strings are stored untouched.
        assert!(matches!(encode("100% sure"), Cow::Borrowed(_)));
    }

    #[test]
    fn round_trips_json_keys_and_values() {
        let value = serde_json::json!({"k\0": ["x\0", 1, null, {"\u{FFFF}esc:": "%"}], "n": 2.5});
        let stored = encode_json(&value);
        assert!(!stored.to_string().contains("\\u0000"));
        assert_eq!(decode_json(stored), Ok(value));
    }

    #[test]
    fn rejects_escapes_it_never_makes() {
        assert!(decode(format!("{MARKER}%41")).is_err());
        assert!(decode(format!("{MARKER}%2")).is_err());
    }
}
