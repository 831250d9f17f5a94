//! Quota for multi-query requests: one token per query.
//!
//! The access guard takes one token per HTTP request before the body is read. A `/retrieve`
//! call of 4,096 queries would then cost what one search costs, so a quota of 10 searches/s
//! let a client run 40,000. Multi-query handlers, once they know the count, charge the
//! remaining tokens to the same bucket through [`Payer`].
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};

use axum::http::request::Parts;

use super::{Access, Caller};
use crate::error::ApiError;
use crate::error_code::ErrorCode;

/// Who pays for a request: the admitted caller and its peer address, taken from the
/// request's extensions (the guard left the caller there).
#[derive(Debug, Clone, Default)]
pub struct Payer {
    caller: Option<Caller>,
    peer: Option<IpAddr>,
}

impl<S: Send + Sync> FromRequestParts<S> for Payer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            caller: parts.extensions.get::<Caller>().cloned(),
            peer: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        })
    }
}

impl Access {
    /// Charges a request of `queries` queries: the guard took one token, this takes the
    /// rest from the same bucket. A request that costs more than the bucket can ever hold
    /// is a 400 (it could never pass: split it); one that costs more than is left now is
    /// a 429 with `Retry-After`, and takes nothing.
    pub fn charge_queries(&self, payer: &Payer, queries: usize) -> Result<(), ApiError> {
        let Some(caller) = &payer.caller else {
            // Requests that bypassed the guard (tests driving handlers directly).
            return Ok(());
        };
        let policy = self.policy();
        let (quota, bucket_key) = match caller {
            Caller::Key(id) => {
                let quota = policy
                    .keys
                    .values()
                    .find(|e| &e.id == id)
                    .and_then(|e| e.quota);
                (quota, format!("key:{id}"))
            }
            Caller::Anonymous => {
                let quota = policy.anonymous.as_ref().and_then(|a| a.quota);
                let peer = payer
                    .peer
                    .map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
                (quota, format!("peer:{peer}"))
            }
        };
        let Some(quota) = quota else { return Ok(()) };
        let extra = u32::try_from(queries.saturating_sub(1)).unwrap_or(u32::MAX);
        if extra == 0 {
            return Ok(());
        }
        if f64::from(extra) + 1.0 > quota.burst {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                format!(
                    "this request has {queries} queries and costs {queries} quota tokens, more than your burst of {}; split it into requests of at most {} queries",
                    quota.burst,
                    quota.burst.floor()
                ),
            ));
        }
        self.take(
            &bucket_key,
            &quota,
            matches!(caller, Caller::Anonymous),
            extra,
        )
    }
}
