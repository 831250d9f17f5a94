//! Admission: keys by digest, anonymous policy, quotas, reload.
use std::net::{IpAddr, Ipv4Addr};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

use super::*;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

const PEER: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));

fn keys_file(anonymous: bool, quota: Option<Quota>) -> KeysFile {
    KeysFile {
        anonymous: AnonymousAccess {
            allow: anonymous,
            quota,
        },
        keys: vec![KeyEntry {
            id: "trainer".into(),
            sha256: hash_key("s3cret"),
            quota: Some(Quota {
                rate_per_sec: 0.001,
                burst: 2.0,
            }),
        }],
    }
}

#[test]
fn keys_are_checked_by_digest_in_either_header() {
    let access = Access::with_policy(AccessPolicy::new(keys_file(true, None), None).unwrap());
    let bearer = headers(&[("authorization", "Bearer s3cret")]);
    assert_eq!(
        access.admit(&bearer, PEER),
        Ok(Caller::Key("trainer".into()))
    );
    let x_api_key = headers(&[(X_API_KEY, "s3cret")]);
    assert_eq!(
        access.admit(&x_api_key, PEER),
        Ok(Caller::Key("trainer".into()))
    );
    let wrong = access
        .admit(&headers(&[(X_API_KEY, "guess")]), PEER)
        .unwrap_err();
    assert_eq!(
        (wrong.status, wrong.code.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_api_key")
    );
    assert!(
        !wrong.message.contains("guess"),
        "the key must not be echoed"
    );
    let basic = access.admit(&headers(&[("authorization", "Basic czNjcmV0")]), PEER);
    assert_eq!(basic.unwrap_err().code.as_str(), "invalid_api_key");
    assert_eq!(access.admit(&HeaderMap::new(), PEER), Ok(Caller::Anonymous));
}

#[test]
fn anonymous_access_can_be_closed() {
    let access = Access::with_policy(AccessPolicy::new(keys_file(false, None), None).unwrap());
    let error = access.admit(&HeaderMap::new(), PEER).unwrap_err();
    assert_eq!(
        (error.status, error.code.as_str()),
        (StatusCode::UNAUTHORIZED, "missing_api_key")
    );
    assert!(
        access
            .admit(&headers(&[(X_API_KEY, "s3cret")]), PEER)
            .is_ok()
    );
}

#[test]
fn without_configured_keys_a_presented_key_is_anonymous() {
    let access = Access::default();
    let mut map = HeaderMap::new();
    map.insert(
        header::AUTHORIZATION,
        HeaderValue::from_static("Bearer tvly-anything"),
    );
    assert_eq!(access.admit(&map, PEER), Ok(Caller::Anonymous));
}

#[test]
fn quotas_answer_429_with_retry_after_per_client() {
    let quota = Quota {
        rate_per_sec: 0.001,
        burst: 1.0,
    };
    let access =
        Access::with_policy(AccessPolicy::new(keys_file(true, Some(quota)), None).unwrap());
    let key = headers(&[(X_API_KEY, "s3cret")]);
    assert!(access.admit(&key, PEER).is_ok());
    assert!(access.admit(&key, PEER).is_ok());
    let limited = access.admit(&key, PEER).unwrap_err();
    assert_eq!(
        (limited.status, limited.code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert!(limited.retry_after.is_some_and(|s| s >= 1));
    // Anonymous peers have their own buckets, independent of the key's.
    let other = Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
    assert!(access.admit(&HeaderMap::new(), PEER).is_ok());
    assert!(access.admit(&HeaderMap::new(), PEER).is_err());
    assert!(access.admit(&HeaderMap::new(), other).is_ok());
}

#[test]
fn reload_swaps_keys_and_keeps_the_policy_when_the_file_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    // Unlimited here: buckets outlive reloads, which the quota test would trip over.
    let mut first = keys_file(false, None);
    first.keys[0].quota = None;
    std::fs::write(&path, serde_json::to_string(&first).unwrap()).unwrap();
    let access = Access::from_file(path.clone(), None).unwrap();
    let old = headers(&[(X_API_KEY, "s3cret")]);
    assert!(access.admit(&old, PEER).is_ok());

    let mut next = first.clone();
    next.keys[0].sha256 = hash_key("rotated");
    std::fs::write(&path, serde_json::to_string(&next).unwrap()).unwrap();
    assert_eq!(access.reload().unwrap(), 1);
    assert_eq!(
        access.admit(&old, PEER).unwrap_err().code.as_str(),
        "invalid_api_key"
    );
    assert!(
        access
            .admit(&headers(&[(X_API_KEY, "rotated")]), PEER)
            .is_ok()
    );

    std::fs::write(&path, "{not json").unwrap();
    assert!(
        access
            .reload()
            .unwrap_err()
            .to_string()
            .contains("not valid")
    );
    assert!(
        access
            .admit(&headers(&[(X_API_KEY, "rotated")]), PEER)
            .is_ok()
    );
}

#[test]
fn a_rate_too_small_for_a_duration_is_refused_when_the_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    let mut file = keys_file(true, None);
    file.keys[0].quota = Some(Quota {
        rate_per_sec: 1e-20,
        burst: 1.0,
    });
    std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
    let error = Access::from_file(path, None).unwrap_err().to_string();
    assert!(
        error.contains("key `trainer`") && error.contains("rate_per_sec"),
        "{error}"
    );
}

/// The reported bug: a rate below ~5e-20 panicked under the buckets' lock, poisoning it, and
/// the poisoned lock then admitted every request. A policy built without validation (its
/// fields are public) must still refuse, and keep refusing.
#[test]
fn an_unvalidated_tiny_rate_refuses_without_panicking() {
    let quota = Quota {
        rate_per_sec: 1e-30,
        burst: 1.0,
    };
    let policy = AccessPolicy {
        anonymous: Some(AnonymousAccess {
            allow: true,
            quota: Some(quota),
        }),
        keys: std::collections::HashMap::new(),
    };
    let access = Access::with_policy(policy);
    assert!(access.admit(&HeaderMap::new(), PEER).is_ok());
    for _ in 0..3 {
        let refused = access.admit(&HeaderMap::new(), PEER).unwrap_err();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    }
    assert!(!access.buckets.is_poisoned());
}

#[test]
fn a_poisoned_bucket_lock_still_enforces_quotas() {
    let quota = Quota {
        rate_per_sec: 0.001,
        burst: 1.0,
    };
    let access =
        Access::with_policy(AccessPolicy::new(keys_file(true, Some(quota)), None).unwrap());
    assert!(access.admit(&HeaderMap::new(), PEER).is_ok());
    std::thread::scope(|scope| {
        let poisoner = scope.spawn(|| {
            let _held = access.buckets.lock().unwrap();
            panic!("poison the buckets' lock");
        });
        assert!(poisoner.join().is_err());
    });
    assert!(access.buckets.is_poisoned());
    let refused = access.admit(&HeaderMap::new(), PEER).unwrap_err();
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
}
