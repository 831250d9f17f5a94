//! Every error code the API sends, with its HTTP status and what it means: the one table
//! behind `{"error":{"code","message"}}`. docs/errors.md is generated from it
//! (`UPDATE_ERRORS_DOC=1 cargo test … errors_doc_is_up_to_date`).
use axum::http::StatusCode;

/// Declares the enum and its table in one place, so a code cannot exist without a status
/// and a meaning.
macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:ident, $meaning:literal;)+) => {
        /// A stable, snake_case error code of the API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $(
                #[doc = $meaning]
                $variant,
            )+
        }

        impl ErrorCode {
            /// Every code, in the order of the table.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The code as it appears in error bodies.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }

            /// The status it is sent with (`invalid_body` may also carry its decoder's own
            /// 4xx, see [`crate::ApiError::with_status`]).
            pub fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)+
                }
            }

            /// What it means and what the caller can do.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning,)+
                }
            }
        }
    };
}

error_codes! {
    InvalidParameter = "invalid_parameter", BAD_REQUEST,
        "A parameter is missing, malformed or out of range; the message names it and what is allowed.";
    UnknownParameter = "unknown_parameter", BAD_REQUEST,
        "A parameter this route does not take (often a typo); the message lists the accepted ones.";
    DuplicateParameter = "duplicate_parameter", BAD_REQUEST,
        "A parameter given twice in the query string.";
    InvalidEncoding = "invalid_encoding", BAD_REQUEST,
        "The query string or form body is not valid percent-encoded UTF-8.";
    InvalidHeader = "invalid_header", BAD_REQUEST,
        "A header the server reads (x-snapshot-id, x-request-timeout-ms, …) has a malformed value.";
    InvalidJson = "invalid_json", BAD_REQUEST,
        "The body is not JSON of the expected shape.";
    InvalidBody = "invalid_body", BAD_REQUEST,
        "The body could not be read as the route's body (sent with the decoder's own 4xx).";
    QuerySyntax = "query_syntax", BAD_REQUEST,
        "The query text could not be parsed (an unbalanced quote or operator).";
    ModeUnavailable = "mode_unavailable", BAD_REQUEST,
        "The snapshot cannot answer in the requested mode (dense or hybrid without a dense index, an exact scan over the limit).";
    MissingApiKey = "missing_api_key", UNAUTHORIZED,
        "The server requires an API key (Authorization: Bearer …) and none was sent.";
    InvalidApiKey = "invalid_api_key", UNAUTHORIZED,
        "The API key is not one the server knows, or the header is malformed.";
    ForbiddenHost = "forbidden_host", FORBIDDEN,
        "/mcp refused the Host header (DNS-rebinding protection; see serve --allowed-host).";
    ForbiddenOrigin = "forbidden_origin", FORBIDDEN,
        "/mcp refused the Origin header (a browser page from another site; see serve --allowed-origin).";
    NotFound = "not_found", NOT_FOUND,
        "No such route, or no document with that id or URL.";
    NoQueryLog = "no_query_log", NOT_FOUND,
        "The console's session and dashboard pages need the query log, and this server keeps none (started with --no-log).";
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED,
        "The route exists but not with this method; the Allow header lists the methods.";
    BodyTimeout = "body_timeout", REQUEST_TIMEOUT,
        "The client sent its body too slowly.";
    SnapshotMismatch = "snapshot_mismatch", CONFLICT,
        "The request pins a snapshot (x-snapshot-id or snapshot=) this server does not serve, or two pins disagree; the message lists the served ids.";
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE,
        "The body is larger than the server accepts.";
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE,
        "The body's Content-Type is not one the route reads (application/json, or a form for the compat routes).";
    RateLimited = "rate_limited", TOO_MANY_REQUESTS,
        "The caller's quota is spent; Retry-After says when to try again.";
    Internal = "internal", INTERNAL_SERVER_ERROR,
        "A fault on the server's side; the detail is in the server log, never in the body.";
    NotReady = "not_ready", SERVICE_UNAVAILABLE,
        "The snapshot is still loading; GET /ready says when it is loaded. Retry-After: 1.";
    SnapshotUnavailable = "snapshot_unavailable", SERVICE_UNAVAILABLE,
        "The snapshot being switched to is not loaded yet; retry after a short pause.";
    Overloaded = "overloaded", SERVICE_UNAVAILABLE,
        "The server is at capacity: the request would be answered past its deadline, or the wait queue is full. Retry-After is the predicted wait.";
    Timeout = "timeout", SERVICE_UNAVAILABLE,
        "The request's deadline passed before it was answered, or its own searches need longer than the deadline allows.";
}

/// docs/errors.md: the table of every code, status and meaning.
pub fn errors_markdown() -> String {
    let mut out = String::from(
        "# Error codes\n\nEvery error is `{\"error\":{\"code\",\"message\"}}` with one of these codes. \
         Generated from `crates/server/src/error_code.rs`; do not edit by hand.\n\n\
         | code | status | meaning |\n|---|---|---|\n",
    );
    for code in ErrorCode::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.status().as_u16(),
            code.meaning()
        ));
    }
    out
}
