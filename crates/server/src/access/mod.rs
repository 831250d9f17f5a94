//! Optional API keys and per-client quotas.
//!
//! A request names its key with `Authorization: Bearer <key>` or `x-api-key: <key>` (a browser
//! on the console: as the password of `Authorization: Basic`); the key
//! is hashed at once and only its id travels further (request extensions, query log,
//! metrics). Quotas are token buckets per key, or per peer address for anonymous requests,
//! and an exhausted bucket is a 429 with `Retry-After`. `SIGHUP` reloads the keys file:
//! buckets survive a reload, so a reload never hands a client a fresh burst.
mod bucket;
mod charge;
mod config;
mod error;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

use axum::http::{HeaderMap, header};

pub use bucket::{Bucket, Quota};
pub use charge::Payer;
pub use config::{API_KEYS_ENV, AccessPolicy, AnonymousAccess, KeyEntry, KeysFile, hash_key};
pub use error::{AccessConfigError, InvalidQuota};

use crate::error::ApiError;
use crate::error_code::ErrorCode;
use crate::mcp::OriginPolicy;

/// Header carrying an API key (the alternative to `Authorization: Bearer`).
pub const X_API_KEY: &str = "x-api-key";

/// Anonymous buckets kept before full ones are forgotten: bounds memory under a scan from
/// many addresses (a forgotten full bucket changes nothing for its client).
const MAX_ANONYMOUS_BUCKETS: usize = 100_000;

/// Who a request is, once admitted: put into request extensions for the log and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A request with a valid key: the key's id.
    Key(String),
    /// A request without a key.
    Anonymous,
}

/// The access policy in force, where it came from, and the buckets.
#[derive(Debug)]
pub struct Access {
    policy: RwLock<Arc<AccessPolicy>>,
    source: Option<PathBuf>,
    env: Option<String>,
    buckets: Mutex<HashMap<String, Bucket>>,
    /// Hosts and origins `/mcp` accepts (flags, not the keys file: a reload keeps them).
    mcp_origins: OriginPolicy,
}

impl Default for Access {
    /// Open access: no keys, anonymous requests unlimited.
    fn default() -> Self {
        Self::with_policy(AccessPolicy::new(KeysFile::default(), None).unwrap_or_default())
    }
}

impl Access {
    /// Fixed policy (tests, or keys from the environment only).
    pub fn with_policy(policy: AccessPolicy) -> Self {
        Self {
            policy: RwLock::new(Arc::new(policy)),
            source: None,
            env: None,
            buckets: Mutex::new(HashMap::new()),
            mcp_origins: OriginPolicy::default(),
        }
    }

    /// Policy from a keys file (plus `DRIFTLESS_API_KEYS`), reloadable with [`Access::reload`].
    pub fn from_file(path: PathBuf, env: Option<String>) -> Result<Self, AccessConfigError> {
        let policy = AccessPolicy::load(&path, env.as_deref())?;
        Ok(Self {
            policy: RwLock::new(Arc::new(policy)),
            source: Some(path),
            env,
            buckets: Mutex::new(HashMap::new()),
            mcp_origins: OriginPolicy::default(),
        })
    }

    /// Accepts `/mcp` requests by `policy` instead of loopback `Host`s and `Origin`s only.
    #[must_use]
    pub fn with_mcp_origins(mut self, policy: OriginPolicy) -> Self {
        self.mcp_origins = policy;
        self
    }

    /// Re-reads the keys file. A broken file keeps the policy in force (and says why), so a
    /// typo during an edit never locks every client out or lets everyone in.
    pub fn reload(&self) -> Result<usize, AccessConfigError> {
        let Some(path) = &self.source else {
            return Err(AccessConfigError::NoKeysFile);
        };
        let policy = AccessPolicy::load(path, self.env.as_deref())?;
        let count = policy.keys.len();
        if let Ok(mut current) = self.policy.write() {
            *current = Arc::new(policy);
        }
        Ok(count)
    }

    fn policy(&self) -> Arc<AccessPolicy> {
        match self.policy.read() {
            Ok(policy) => Arc::clone(&policy),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Admits or refuses a request from its headers and peer address.
    pub fn admit(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Result<Caller, ApiError> {
        let policy = self.policy();
        // With no keys configured, a presented key means nothing (clients such as
        // tavily-python always send one): such requests are anonymous.
        let key = presented_key(headers)?.filter(|_| !policy.keys.is_empty());
        let (caller, quota, bucket_key) = match key {
            Some(key) => {
                let entry = policy.keys.get(&hash_key(&key)).ok_or_else(|| {
                    ApiError::new(ErrorCode::InvalidApiKey,
                        "the API key is not known to this server; check it, or ask the operator for one",
                    )
                })?;
                (
                    Caller::Key(entry.id.clone()),
                    entry.quota,
                    format!("key:{}", entry.id),
                )
            }
            None => {
                let anonymous = policy.anonymous.as_ref().ok_or_else(|| {
                    ApiError::new(ErrorCode::MissingApiKey,
                        "this server requires an API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`",
                    )
                })?;
                let peer = peer.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
                (Caller::Anonymous, anonymous.quota, format!("peer:{peer}"))
            }
        };
        if let Some(quota) = quota {
            self.take(&bucket_key, &quota, matches!(caller, Caller::Anonymous), 1)?;
        }
        Ok(caller)
    }

    fn take(
        &self,
        bucket_key: &str,
        quota: &Quota,
        anonymous: bool,
        cost: u32,
    ) -> Result<(), ApiError> {
        let now = Instant::now();
        // A panic while the lock was held (none is expected: `Bucket::take` cannot panic)
        // leaves every bucket consistent, since each is written in one assignment; going on
        // with the map keeps quotas enforced, where giving up would admit every request.
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if anonymous && buckets.len() >= MAX_ANONYMOUS_BUCKETS {
            buckets.retain(|key, bucket| key.starts_with("key:") || !bucket.is_full(quota, now));
        }
        let bucket = buckets
            .entry(bucket_key.to_string())
            .or_insert_with(|| Bucket::full(quota, now));
        bucket.take_n(quota, now, f64::from(cost)).map_err(|wait| {
            let seconds = u32::try_from(wait.as_secs())
                .unwrap_or(u32::MAX)
                .saturating_add(1);
            ApiError::new(
                ErrorCode::RateLimited,
                format!(
                    "quota of {} requests/s (bursts of {}) used up; retry after {seconds} s",
                    quota.rate_per_sec, quota.burst
                ),
            )
            .with_retry_after(seconds)
        })
    }
}

/// The key a request presents, if any; a malformed `Authorization` header is a 401 rather
/// than silently anonymous, so a client with a broken header learns at once.
fn presented_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let malformed = || {
        ApiError::new(
            ErrorCode::InvalidApiKey,
            "malformed credentials: send `Authorization: Bearer <key>` or `x-api-key: <key>`",
        )
    };
    if let Some(value) = headers.get(X_API_KEY) {
        let key = value.to_str().map_err(|_| malformed())?.trim();
        return if key.is_empty() {
            Err(malformed())
        } else {
            Ok(Some(key.to_string()))
        };
    }
    match headers.get(header::AUTHORIZATION) {
        None => Ok(None),
        Some(value) => {
            let value = value.to_str().map_err(|_| malformed())?.trim();
            let (scheme, key) = value.split_once(' ').ok_or_else(malformed)?;
            let key = if scheme.eq_ignore_ascii_case("bearer") {
                key.trim().to_string()
            } else if scheme.eq_ignore_ascii_case("basic") {
                basic_password(key.trim()).ok_or_else(malformed)?
            } else {
                return Err(malformed());
            };
            if key.is_empty() {
                return Err(malformed());
            }
            Ok(Some(key))
        }
    }
}

/// The password of HTTP Basic credentials (`base64(user:password)`): how a browser sends a
/// key to the console, which asks for it with `WWW-Authenticate` (any user name will do).
fn basic_password(credentials: &str) -> Option<String> {
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (_, password) = text.split_once(':')?;
    Some(password.trim().to_string())
}

/// Paths served to everyone: probes, metrics and documentation carry no corpus content and
/// must answer an orchestrator or scraper that holds no key.
fn is_open_path(path: &str) -> bool {
    matches!(
        path,
        "/health" | "/ready" | "/metrics" | "/openapi.yaml" | "/docs"
    )
}

/// Middleware: admits the request (`/mcp`'s Host and Origin, key, anonymous policy, quota)
/// or answers 403/401/429, and leaves the [`Caller`] in the request extensions for the
/// query log.
pub async fn guard(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    let console = path == "/ui" || path.starts_with("/ui/");
    if is_open_path(path) {
        return next.run(request).await;
    }
    // Before the key check: a page rebound to this server learns nothing, not even 401.
    if (path == "/mcp" || path.starts_with("/mcp/"))
        && let Err(error) = state.access().mcp_origins.check(request.headers())
    {
        return error.into_response();
    }
    // Behind a trusted load balancer, the anonymous quota is the forwarded client's, not one
    // bucket shared by every client of the balancer (origin.rs).
    let peer = crate::origin::client_ip(request.extensions());
    match state.access().admit(request.headers(), peer) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        // The console asks a browser for the key (HTTP Basic, the key as password) and
        // explains the refusal as a page.
        Err(error) if console => {
            let mut response = crate::ui::error_response(&error);
            if error.status == axum::http::StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static(
                        "Basic realm=\"driftless console\", charset=\"UTF-8\"",
                    ),
                );
            }
            response
        }
        Err(error) => error.into_response(),
    }
}
