//! Transport decoding: query strings and JSON bodies into the API request types.
//!
//! Only the shape is checked here (names, types, encodings); value ranges (k, q length,
//! offsets) are the engine's job so that every transport reports them the same way.
use std::sync::LazyLock;

use driftless_api::{FetchRequest, Highlight, Mode, SearchRequest, Unit, param_names};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::error_code::ErrorCode;
use crate::query_string::QueryParams;

static SEARCH_NAMES: LazyLock<Vec<String>> = LazyLock::new(param_names::<SearchRequest>);
static FETCH_NAMES: LazyLock<Vec<String>> = LazyLock::new(param_names::<FetchRequest>);

/// Parameters of `/v1/search`: the fields of [`SearchRequest`], in the order the error
/// message lists them.
pub static SEARCH_PARAMS: LazyLock<Vec<&'static str>> = LazyLock::new(|| borrow(&SEARCH_NAMES));
/// Parameters of `/v1/fetch`: the fields of [`FetchRequest`].
pub static FETCH_PARAMS: LazyLock<Vec<&'static str>> = LazyLock::new(|| borrow(&FETCH_NAMES));

fn borrow(names: &'static LazyLock<Vec<String>>) -> Vec<&'static str> {
    names.iter().map(String::as_str).collect()
}
/// Parameters of `/v1/stats/terms`.
pub const TERMS_PARAMS: &[&str] = &["terms"];
/// Most terms one `/v1/stats/terms` request may ask about.
pub const MAX_TERMS: usize = 32;
/// Longest term, in characters.
pub const MAX_TERM_CHARS: usize = 100;

const UNSIGNED: &str = "a non-negative integer";

/// `GET /v1/search?...` into a [`SearchRequest`].
pub fn search_from_query(raw: Option<&str>) -> Result<SearchRequest, ApiError> {
    let params = QueryParams::parse(raw, &SEARCH_PARAMS)?;
    let q = params.get("q").ok_or_else(|| {
        ApiError::invalid_parameter("q", "is required: send the query as `q=...`")
    })?;
    let mut request = SearchRequest::new(q);
    if let Some(k) = params.parse_number::<u32>("k", UNSIGNED)? {
        request.k = k;
    }
    if let Some(offset) = params.parse_number::<u32>("offset", UNSIGNED)? {
        request.offset = offset;
    }
    request.mode = params.parse_keyword::<Mode>("mode")?;
    if let Some(unit) = params.parse_keyword::<Unit>("unit")? {
        request.unit = unit;
    }
    request.k1 = finite(&params, "k1")?;
    request.b = finite(&params, "b")?;
    request.fusion_k = params.parse_number::<u32>("fusion_k", UNSIGNED)?;
    if let Some(highlight) = params.parse_keyword::<Highlight>("highlight")? {
        request.highlight = highlight;
    }
    // `bool::from_str`: exactly `true` or `false`, as the JSON body's boolean.
    if let Some(explain) = params.parse_number::<bool>("explain", "`true` or `false`")? {
        request.explain = explain;
    }
    Ok(request)
}

/// `f32::from_str` accepts `NaN` and `inf`, which no JSON client could send; refuse them
/// here so both transports accept the same values.
fn finite(params: &QueryParams, name: &str) -> Result<Option<f32>, ApiError> {
    match params.parse_number::<f32>(name, "a finite number")? {
        Some(value) if !value.is_finite() => Err(ApiError::invalid_parameter(
            name,
            format!("expected a finite number, got {value}"),
        )),
        other => Ok(other),
    }
}

/// The JSON body of `POST /v1/search` into a [`SearchRequest`], with the same unknown-name
/// rule as the query string.
pub fn search_from_json(body: Value) -> Result<SearchRequest, ApiError> {
    let Value::Object(object) = body else {
        return Err(ApiError::new(
            ErrorCode::InvalidJson,
            "the body must be a JSON object such as {\"q\":\"...\",\"k\":10}",
        ));
    };
    reject_unknown_fields(&object, &SEARCH_PARAMS)?;
    deserialize_named(Value::Object(object))
}

/// Deserializes `value` into `T`; a 400 names the field at fault (`invalid_parameter`).
pub(crate) fn deserialize_named<T: serde::de::DeserializeOwned>(
    value: Value,
) -> Result<T, ApiError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if path == "." {
            // A missing required field has no path; serde's message names it.
            ApiError::new(ErrorCode::InvalidParameter, inner.to_string())
        } else {
            ApiError::invalid_parameter(&path, inner)
        }
    })
}

fn reject_unknown_fields(object: &Map<String, Value>, accepted: &[&str]) -> Result<(), ApiError> {
    match object.keys().find(|key| !accepted.contains(&key.as_str())) {
        Some(unknown) => Err(ApiError::new(
            ErrorCode::UnknownParameter,
            format!(
                "unknown field {unknown:?}; this route accepts: {}",
                accepted.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// `GET /v1/fetch?...` into a [`FetchRequest`].
pub fn fetch_from_query(raw: Option<&str>) -> Result<FetchRequest, ApiError> {
    let params = QueryParams::parse(raw, &FETCH_PARAMS)?;
    Ok(FetchRequest {
        doc_id: params.get("doc_id").map(str::to_owned),
        url: params.get("url").map(str::to_owned),
        offset: params.parse_number::<u64>("offset", UNSIGNED)?.unwrap_or(0),
        max_chars: params.parse_number::<u64>("max_chars", UNSIGNED)?,
    })
}

/// `GET /v1/stats/terms?terms=a,b` into the list of terms: 1..=32 non-empty terms of at most
/// 100 characters each. The engine takes any slice, so these limits live with the transport.
pub fn terms_from_query(raw: Option<&str>) -> Result<Vec<String>, ApiError> {
    let params = QueryParams::parse(raw, TERMS_PARAMS)?;
    let list = params.get("terms").ok_or_else(|| {
        ApiError::invalid_parameter("terms", "is required: send `terms=word1,word2`")
    })?;
    let terms: Vec<String> = list.split(',').map(str::to_owned).collect();
    if terms.len() > MAX_TERMS {
        return Err(ApiError::invalid_parameter(
            "terms",
            format!(
                "at most {MAX_TERMS} comma-separated terms, got {}",
                terms.len()
            ),
        ));
    }
    for term in &terms {
        if term.trim().is_empty() {
            return Err(ApiError::invalid_parameter(
                "terms",
                "empty term; separate non-empty terms with single commas",
            ));
        }
        if term.chars().count() > MAX_TERM_CHARS {
            return Err(ApiError::invalid_parameter(
                "terms",
                format!("each term may have at most {MAX_TERM_CHARS} characters"),
            ));
        }
        if term.chars().any(char::is_control) {
            return Err(ApiError::invalid_parameter(
                "terms",
                "control characters are not allowed",
            ));
        }
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_accepted_names_are_the_request_fields() {
        assert_eq!(
            *SEARCH_PARAMS,
            [
                "q",
                "k",
                "offset",
                "mode",
                "unit",
                "k1",
                "b",
                "fusion_k",
                "highlight",
                "explain"
            ]
        );
        assert_eq!(*FETCH_PARAMS, ["doc_id", "url", "offset", "max_chars"]);
    }

    #[test]
    fn search_query_defaults_and_values() {
        let request = search_from_query(Some("q=a+b")).unwrap();
        assert_eq!(request, SearchRequest::new("a b"));
        let request = search_from_query(Some(
            "q=x&k=5&offset=10&mode=bm25&unit=passage&k1=0.9&b=0.4&highlight=none",
        ))
        .unwrap();
        assert_eq!(
            (request.k, request.offset, request.mode),
            (5, 10, Some(Mode::Bm25))
        );
        assert_eq!(
            (request.unit, request.highlight),
            (Unit::Passage, Highlight::None)
        );
        assert_eq!((request.k1, request.b), (Some(0.9), Some(0.4)));
        assert!(!request.explain);
        assert!(search_from_query(Some("q=x&explain=true")).unwrap().explain);
        assert!(
            !search_from_query(Some("q=x&explain=false"))
                .unwrap()
                .explain
        );
    }

    #[test]
    fn search_query_errors() {
        for (raw, code) in [
            ("k=5", "invalid_parameter"),
            ("q=a&k=-1", "invalid_parameter"),
            ("q=a&k=abc", "invalid_parameter"),
            ("q=a&k1=NaN", "invalid_parameter"),
            ("q=a&explain=1", "invalid_parameter"),
            ("q=a&explain=", "invalid_parameter"),
            ("q=a&mode=semantic", "invalid_parameter"),
            ("q=a&page=2", "unknown_parameter"),
            ("q=a&k=1&k=2", "duplicate_parameter"),
            ("q=%E0%A4", "invalid_encoding"),
        ] {
            assert_eq!(
                search_from_query(Some(raw)).unwrap_err().code.as_str(),
                code,
                "{raw}"
            );
        }
    }

    #[test]
    fn search_json() {
        let request = search_from_json(json!({"q": "a", "k": 3, "mode": "bm25"})).unwrap();
        assert_eq!((request.k, request.mode), (3, Some(Mode::Bm25)));
        let wrong_type = search_from_json(json!({"q": "a", "k": "3"})).unwrap_err();
        assert!(wrong_type.message.contains("`k`"), "{}", wrong_type.message);
        assert!(
            search_from_json(json!({"q": "a", "explain": true}))
                .unwrap()
                .explain
        );
        let explain = search_from_json(json!({"q": "a", "explain": "yes"})).unwrap_err();
        assert_eq!(explain.code.as_str(), "invalid_parameter");
        assert!(explain.message.contains("`explain`"), "{}", explain.message);
        let missing = search_from_json(json!({"k": 3})).unwrap_err();
        assert!(missing.message.contains("q"), "{}", missing.message);
        assert_eq!(
            search_from_json(json!({"q": "a", "K": 3}))
                .unwrap_err()
                .code
                .as_str(),
            "unknown_parameter"
        );
        assert_eq!(
            search_from_json(json!(["q"])).unwrap_err().code.as_str(),
            "invalid_json"
        );
    }

    #[test]
    fn fetch_query() {
        let request = fetch_from_query(Some("doc_id=a%2Fb&offset=5&max_chars=10")).unwrap();
        assert_eq!(request.doc_id.as_deref(), Some("a/b"));
        assert_eq!((request.offset, request.max_chars), (5, Some(10)));
        assert_eq!(
            fetch_from_query(Some("doc_id=a&offset=x"))
                .unwrap_err()
                .code
                .as_str(),
            "invalid_parameter"
        );
    }

    #[test]
    fn terms_query() {
        assert_eq!(
            terms_from_query(Some("terms=a,b+c")).unwrap(),
            vec!["a", "b c"]
        );
        assert!(terms_from_query(None).is_err());
        assert!(terms_from_query(Some("terms=a,,b")).is_err());
        assert!(terms_from_query(Some(&format!("terms={}", "x".repeat(101)))).is_err());
        let many = vec!["t"; 33].join(",");
        assert!(terms_from_query(Some(&format!("terms={many}"))).is_err());
    }
}
