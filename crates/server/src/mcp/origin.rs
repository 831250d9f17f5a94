//! `Host` and `Origin` checks on `/mcp`, against DNS rebinding (the MCP transport spec
//! requires servers to validate `Origin`).
//!
//! A web page can point its own hostname at 127.0.0.1 and then talk to a local server as if
//! same-origin; the browser still sends the attacker's name in `Host` and its `Origin`. So a
//! request is refused (403) unless `Host` names an allowed host and `Origin`, when present,
//! an allowed origin. Loopback names are always allowed; `--allowed-host` and
//! `--allowed-origin` add more (`*` allows any). rmcp has such a check too, but its 403 is
//! plain text; this one answers in the API's error shape.
use axum::http::{HeaderMap, header};

use crate::error::ApiError;
use crate::error_code::ErrorCode;

/// Host names always allowed: a client on the same machine.
const LOOPBACK: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Which `Host` and `Origin` values `/mcp` accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPolicy {
    /// Extra hosts (`name` for any port, `name:port`); `None` when `*` allows every host.
    hosts: Option<Vec<(String, Option<u16>)>>,
    /// Extra origins as (scheme, host, port); `None` when `*` allows every origin.
    origins: Option<Vec<(String, String, u16)>>,
    /// Whether the opaque origin `null` (sandboxed frames, `file:` pages) is allowed.
    null_origin: bool,
}

impl Default for OriginPolicy {
    /// Loopback only.
    fn default() -> Self {
        Self {
            hosts: Some(Vec::new()),
            origins: Some(Vec::new()),
            null_origin: false,
        }
    }
}

impl OriginPolicy {
    /// Loopback plus `hosts` and `origins` (flag values); names the first malformed value.
    pub fn new(hosts: &[String], origins: &[String]) -> Result<Self, String> {
        let mut policy = Self::default();
        for host in hosts.iter().map(|h| h.trim()) {
            if host == "*" {
                policy.hosts = None;
                continue;
            }
            let parsed = parse_host(host).ok_or_else(|| {
                format!("--allowed-host `{host}` is not a host name or host:port")
            })?;
            if let Some(list) = policy.hosts.as_mut() {
                list.push(parsed);
            }
        }
        for origin in origins.iter().map(|o| o.trim()) {
            match origin {
                "*" => policy.origins = None,
                "null" => policy.null_origin = true,
                _ => {
                    let parsed = parse_origin(origin).ok_or_else(|| {
                        format!(
                            "--allowed-origin `{origin}` is not scheme://host[:port] (e.g. https://app.example.com)"
                        )
                    })?;
                    if let Some(list) = policy.origins.as_mut() {
                        list.push(parsed);
                    }
                }
            }
        }
        Ok(policy)
    }

    /// Admits the request or says which header is at fault (403 `forbidden_host` /
    /// `forbidden_origin`).
    pub fn check(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_host);
        let host_ok = match (&host, &self.hosts) {
            (Some(_), None) => true,
            (Some((name, port)), Some(extra)) => {
                is_loopback(name)
                    || extra.iter().any(|(allowed, allowed_port)| {
                        allowed == name && allowed_port.is_none_or(|p| Some(p) == *port)
                    })
            }
            (None, _) => false,
        };
        if !host_ok {
            return Err(forbidden(
                ErrorCode::ForbiddenHost,
                "/mcp answers only requests whose Host is an allowed name (loopback by default); \
                 the operator can allow more with `driftless serve --allowed-host NAME`",
            ));
        }
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin.to_str().unwrap_or_default().trim();
        let origin_ok = if origin == "null" {
            self.null_origin || self.origins.is_none()
        } else {
            match (parse_origin(origin), &self.origins) {
                (Some(_), None) => true,
                (Some(parsed), Some(extra)) => is_loopback(&parsed.1) || extra.contains(&parsed),
                (None, _) => false,
            }
        };
        if origin_ok {
            Ok(())
        } else {
            Err(forbidden(
                ErrorCode::ForbiddenOrigin,
                "/mcp refuses requests from this Origin (a web page on another site); the \
                 operator can allow it with `driftless serve --allowed-origin scheme://host[:port]`",
            ))
        }
    }
}

fn forbidden(code: ErrorCode, message: &'static str) -> ApiError {
    ApiError::new(code, message)
}

fn is_loopback(host: &str) -> bool {
    LOOPBACK.contains(&host)
}

/// `name`, `name:port`, `[v6]` or `[v6]:port`, lowercased, brackets and a trailing dot off.
fn parse_host(value: &str) -> Option<(String, Option<u16>)> {
    let value = value.trim();
    let (name, port) = if let Some(rest) = value.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?.parse().ok()?),
        };
        (name, port)
    } else if value.matches(':').count() > 1 {
        (value, None) // a bare IPv6 address (only in flag values)
    } else {
        match value.split_once(':') {
            Some((name, port)) => (name, Some(port.parse().ok()?)),
            None => (value, None),
        }
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:_".contains(c));
    valid.then_some((name, port))
}

/// `scheme://host[:port]` with the scheme's default port filled in.
fn parse_origin(value: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = value.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let (host, port) = parse_host(rest)?;
    Some((scheme, host, port.unwrap_or(default_port)))
}
