//! The committed `openapi.yaml` is the document the code generates.
use std::path::PathBuf;

use crate::common::{get, loading_app};

/// Fails unless the committed file at `relative` (to the workspace root) is `generated`;
/// with `update_var=1` in the environment, writes it instead. `stale` follows the path in
/// the failure message: what it is out of date with and how to regenerate it.
fn assert_committed(relative: &str, generated: &str, update_var: &str, stale: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    if std::env::var_os(update_var).is_some_and(|value| value == "1") {
        std::fs::write(&path, generated).unwrap_or_else(|e| panic!("write {relative}: {e}"));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == generated, "{} {stale}", path.display());
}

#[test]
fn openapi_yaml_is_up_to_date() {
    assert_committed(
        "openapi.yaml",
        &driftless_server::openapi_yaml(),
        "UPDATE_OPENAPI",
        "is out of date with the code; regenerate it with \
         `UPDATE_OPENAPI=1 cargo test -p driftless-server openapi` and commit the result",
    );
}

#[test]
fn openapi_documents_every_route() {
    let document = driftless_server::openapi();
    let paths: Vec<&str> = document.paths.paths.keys().map(String::as_str).collect();
    for route in [
        "/v1/search",
        "/v1/fetch",
        "/v1/stats/terms",
        "/v1/snapshot",
        "/health",
        "/ready",
        "/openapi.yaml",
    ] {
        assert!(paths.contains(&route), "{route} missing from {paths:?}");
    }
    let search = &document.paths.paths["/v1/search"];
    assert!(search.get.is_some() && search.post.is_some());
}

#[tokio::test]
async fn openapi_route_serves_the_document() {
    let response = get(loading_app(), "/openapi.yaml").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/yaml"));
    assert_eq!(
        String::from_utf8_lossy(&response.body),
        driftless_server::openapi_yaml()
    );
}

/// docs/errors.md is the table `ErrorCode` generates.
#[test]
fn errors_doc_is_up_to_date() {
    assert_committed(
        "docs/errors.md",
        &driftless_server::errors_markdown(),
        "UPDATE_ERRORS_DOC",
        "is out of date with crates/server/src/error_code.rs; regenerate it with \
         `UPDATE_ERRORS_DOC=1 cargo test --workspace --test integration errors_doc` and commit it",
    );
}

/// Every code has its own wire string, and every status is an error status that matches
/// the code's class (the caller's fault 4xx, ours or load 5xx).
#[test]
fn error_codes_are_distinct_and_their_statuses_are_errors() {
    use driftless_server::ErrorCode;
    let mut seen = std::collections::BTreeSet::new();
    for code in ErrorCode::ALL {
        assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
        assert!(code.status().as_u16() >= 400, "{code:?}");
        assert!(!code.meaning().is_empty());
    }
    assert_eq!(ErrorCode::Internal.status().as_u16(), 500);
}

/// Issue 16: the search parameters are one list. `SEARCH_PARAMS` (what GET /v1/search
/// accepts), the GET route's documented parameters and the POST body's `SearchRequest`
/// fields must name the same set, so a parameter added to one and not the others fails here.
#[test]
fn search_parameters_are_one_list() {
    use std::collections::BTreeSet;
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{RefOr, schema::Schema};
    let accepted: BTreeSet<&str> = driftless_server::SEARCH_PARAMS.iter().copied().collect();
    let document = driftless_server::openapi();
    let get = document.paths.paths["/v1/search"]
        .get
        .as_ref()
        .expect("GET /v1/search");
    let documented: BTreeSet<&str> = get
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            // Headers, and the snapshot pin that every route takes, are not search parameters.
            RefOr::T(p)
                if p.parameter_in == ParameterIn::Query
                    && p.name != driftless_server::SNAPSHOT_PARAM =>
            {
                Some(p.name.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        documented, accepted,
        "GET /v1/search's documented parameters"
    );
    let components = document.components.as_ref().expect("components");
    let Some(RefOr::T(Schema::Object(body))) = components.schemas.get("SearchRequest") else {
        panic!("SearchRequest is an object schema");
    };
    let fields: BTreeSet<&str> = body.properties.keys().map(String::as_str).collect();
    assert_eq!(fields, accepted, "POST /v1/search's body fields");
}
