//! A strict `application/x-www-form-urlencoded` decoder for query strings.
//!
//! serde_urlencoded (behind axum's `Query`) silently keeps the last of duplicate parameters,
//! ignores unknown ones and replaces bad UTF-8: an agent that misspells `k` would get ten
//! results and never learn why. Here every such mistake is a 400 that says what to send.
use std::str::FromStr;

use crate::error::ApiError;
use crate::error_code::ErrorCode;

/// Why a query string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// `%` not followed by two hex digits.
    #[error("invalid percent-encoding at byte {position} of the query string")]
    BadEscape {
        /// Byte offset of the `%`.
        position: usize,
    },
    /// The decoded bytes of a name or value are not UTF-8.
    #[error("parameter {which} is not valid UTF-8 after percent-decoding")]
    NotUtf8 {
        /// `name` or `value of <name>`.
        which: String,
    },
}

/// Decodes `raw` (the part after `?`) into `(name, value)` pairs in order.
/// `+` is a space; a pair without `=` has an empty value; empty pairs (`a=1&&b=2`) are skipped.
pub fn decode(raw: &str) -> Result<Vec<(String, String)>, DecodeError> {
    let mut pairs = Vec::new();
    let mut start = 0;
    for segment in raw.split('&') {
        let segment_start = start;
        start += segment.len() + 1;
        if segment.is_empty() {
            continue;
        }
        let (raw_name, raw_value, value_start) = match segment.split_once('=') {
            Some((name, value)) => (name, value, segment_start + name.len() + 1),
            None => (segment, "", segment_start + segment.len()),
        };
        let name = String::from_utf8(percent_decode(raw_name, segment_start)?).map_err(|_| {
            DecodeError::NotUtf8 {
                which: "name".into(),
            }
        })?;
        let value = String::from_utf8(percent_decode(raw_value, value_start)?).map_err(|_| {
            DecodeError::NotUtf8 {
                which: format!("value of `{name}`"),
            }
        })?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Percent-decodes one component; `base` is its offset in the query string, for messages.
fn percent_decode(component: &str, base: usize) -> Result<Vec<u8>, DecodeError> {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let high = bytes.get(i + 1).copied().and_then(hex_value);
                let low = bytes.get(i + 2).copied().and_then(hex_value);
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(DecodeError::BadEscape { position: base + i });
                };
                out.push((high << 4) | low);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    Ok(out)
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decoded parameters of one request, checked against the names a route accepts.
#[derive(Debug, Clone)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Decodes `raw` and rejects unknown and repeated names.
    pub fn parse(raw: Option<&str>, accepted: &[&str]) -> Result<Self, ApiError> {
        let pairs = decode(raw.unwrap_or(""))
            .map_err(|error| ApiError::new(ErrorCode::InvalidEncoding, error.to_string()))?;
        for (index, (name, _)) in pairs.iter().enumerate() {
            // Every route takes the snapshot pin; pin.rs reads and checks it.
            if name == crate::pin::SNAPSHOT_PARAM {
                continue;
            }
            if !accepted.contains(&name.as_str()) {
                return Err(ApiError::new(
                    ErrorCode::UnknownParameter,
                    format!(
                        "unknown parameter {name:?}; this route accepts: {}",
                        accepted.join(", ")
                    ),
                ));
            }
            if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
                return Err(ApiError::new(
                    ErrorCode::DuplicateParameter,
                    format!("parameter `{name}` is given more than once; send it once"),
                ));
            }
        }
        Ok(Self { pairs })
    }

    /// The raw value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name` parsed with `FromStr`; `expected` describes the accepted form.
    pub fn parse_number<T: FromStr>(
        &self,
        name: &str,
        expected: &str,
    ) -> Result<Option<T>, ApiError> {
        self.get(name)
            .map(|value| {
                value.parse::<T>().map_err(|_| {
                    ApiError::invalid_parameter(name, format!("expected {expected}, got {value:?}"))
                })
            })
            .transpose()
    }

    /// The value of `name` parsed as a keyword (mode, unit, highlight), with the type's own
    /// message listing the accepted values.
    pub fn parse_keyword<T: FromStr<Err = String>>(
        &self,
        name: &str,
    ) -> Result<Option<T>, ApiError> {
        self.get(name)
            .map(|value| {
                value
                    .parse::<T>()
                    .map_err(|message| ApiError::invalid_parameter(name, message))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(raw: &str) -> Vec<(String, String)> {
        decode(raw).expect("valid query string")
    }

    #[test]
    fn decodes_plus_and_escapes() {
        assert_eq!(
            pairs("q=rust+borrow%20checker&k=5"),
            vec![
                ("q".into(), "rust borrow checker".into()),
                ("k".into(), "5".into())
            ]
        );
        assert_eq!(pairs("q=%22a%2Bb%22"), vec![("q".into(), "\"a+b\"".into())]);
        assert_eq!(pairs("q=%E2%82%AC"), vec![("q".into(), "€".into())]);
    }

    #[test]
    fn keeps_empty_values_and_skips_empty_pairs() {
        assert_eq!(
            pairs("q&&k=&"),
            vec![("q".into(), String::new()), ("k".into(), String::new())]
        );
        assert_eq!(pairs(""), vec![]);
        assert_eq!(pairs("q=a=b"), vec![("q".into(), "a=b".into())]);
    }

    #[test]
    fn rejects_bad_escapes() {
        assert_eq!(decode("q=%zz"), Err(DecodeError::BadEscape { position: 2 }));
        assert_eq!(
            decode("q=abc%"),
            Err(DecodeError::BadEscape { position: 5 })
        );
        assert_eq!(decode("q=%4"), Err(DecodeError::BadEscape { position: 2 }));
        assert_eq!(
            decode("k=1&q%x=1"),
            Err(DecodeError::BadEscape { position: 5 })
        );
    }

    #[test]
    fn rejects_non_utf8() {
        assert!(matches!(
            decode("q=%E0%A4"),
            Err(DecodeError::NotUtf8 { .. })
        ));
        assert!(matches!(decode("q=%FF"), Err(DecodeError::NotUtf8 { .. })));
        assert!(matches!(decode("%C3=1"), Err(DecodeError::NotUtf8 { .. })));
    }

    #[test]
    fn rejects_unknown_and_duplicate_names() {
        let unknown = QueryParams::parse(Some("q=a&kk=1"), &["q", "k"]).unwrap_err();
        assert_eq!(unknown.code.as_str(), "unknown_parameter");
        assert!(unknown.message.contains("q, k"), "{}", unknown.message);
        let duplicate = QueryParams::parse(Some("q=a&q=b"), &["q"]).unwrap_err();
        assert_eq!(duplicate.code.as_str(), "duplicate_parameter");
        let encoding = QueryParams::parse(Some("q=%zz"), &["q"]).unwrap_err();
        assert_eq!(encoding.code.as_str(), "invalid_encoding");
    }

    #[test]
    fn numbers_and_keywords_name_the_parameter() {
        let params = QueryParams::parse(Some("k=abc&mode=fast"), &["k", "mode"]).unwrap();
        let k = params.parse_number::<u32>("k", "an integer").unwrap_err();
        assert_eq!(k.code.as_str(), "invalid_parameter");
        assert!(k.message.contains("`k`"));
        let mode = params
            .parse_keyword::<driftless_api::Mode>("mode")
            .unwrap_err();
        assert!(mode.message.contains("bm25"), "{}", mode.message);
        assert_eq!(
            params.parse_number::<u32>("offset", "an integer").unwrap(),
            None
        );
    }

    proptest! {
        #[test]
        fn never_panics(raw in ".{0,64}") {
            let _ = decode(&raw);
            let _ = QueryParams::parse(Some(&raw), &["q", "k"]);
        }

        #[test]
        fn never_panics_on_escape_soup(raw in "[%0-9a-fA-FzZ+=&]{0,48}") {
            let _ = decode(&raw);
        }

        #[test]
        fn round_trips_encoded_values(value in "\\PC{0,32}") {
            let mut encoded = String::new();
            for byte in value.as_bytes() {
                encoded.push_str(&format!("%{byte:02X}"));
            }
            let decoded = decode(&format!("q={encoded}")).unwrap();
            prop_assert_eq!(&decoded, &vec![("q".to_string(), value)]);
        }
    }
}
