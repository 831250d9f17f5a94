//! Who a request really came from, and which replica answered it, when the server runs as
//! one of several replicas behind a load balancer.
//!
//! Behind HAProxy or nginx every connection's peer is the balancer, so a client without an
//! API key or `x-client-id` would be logged as the balancer's address and every client's
//! requests would merge into one session. `--trusted-proxy` names the balancers (addresses
//! or CIDR blocks): for a connection from one of them, the client is the right-most address
//! of `X-Forwarded-For` that is not itself a trusted proxy (the address the first trusted hop
//! saw, which no client can forge). Headers from any other peer are ignored.
//!
//! `--replica-id` names this replica: every log record carries it, and every response says
//! it in `x-driftless-replica`, so a client, a test or an operator can tell replicas apart.
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Response header naming the replica that answered.
pub const X_DRIFTLESS_REPLICA: &str = "x-driftless-replica";

/// An address block (`10.0.0.0/8`, `::1/128`, or a bare address for one host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpBlock {
    network: IpAddr,
    prefix: u8,
}

impl IpBlock {
    /// Whether `ip` lies in the block (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpBlock {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = address.trim().parse().map_err(|_| {
            format!("{text:?} is not an IP address or CIDR block (e.g. 10.0.0.0/8)")
        })?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(Self { network, prefix })
    }
}

/// The replica's name and the proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// `--replica-id`.
    pub replica: Option<Arc<str>>,
    /// `--trusted-proxy`.
    pub trusted_proxies: Vec<IpBlock>,
}

/// The client address a trusted proxy reported, as a request extension.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ForwardedFor(pub IpAddr);

/// The client's address: the one a trusted proxy forwarded, else the connection's peer.
pub(crate) fn client_ip(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    match extensions.get::<ForwardedFor>() {
        Some(forwarded) => Some(forwarded.0),
        None => extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip()),
    }
}

/// The answering replica, as a request extension the log capture reads.
#[derive(Debug, Clone)]
pub(crate) struct Replica(pub Arc<str>);

impl Origin {
    fn trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|block| block.contains(ip))
    }

    /// The client behind a trusted `peer`: right to left through every `X-Forwarded-For`
    /// line, the first address that is not a trusted proxy. `None` when the peer is not
    /// trusted or the header is absent or malformed (the peer is then the client).
    fn forwarded_client(&self, peer: IpAddr, request: &Request) -> Option<IpAddr> {
        if !self.trusted(peer) {
            return None;
        }
        let mut hops = Vec::new();
        for value in request.headers().get_all("x-forwarded-for") {
            for hop in value.to_str().ok()?.split(',') {
                hops.push(hop.trim().parse::<IpAddr>().ok()?);
            }
        }
        hops.iter()
            .rev()
            .copied()
            .find(|ip| !self.trusted(*ip))
            .or(hops.first().copied())
    }
}

/// Middleware: records the forwarded client and the replica on the request, and names the
/// replica on the response.
pub(crate) async fn origin(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let origin = state.origin();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(client) = peer.and_then(|peer| origin.forwarded_client(peer, &request)) {
        request.extensions_mut().insert(ForwardedFor(client));
    }
    let replica = origin.replica.clone();
    if let Some(replica) = &replica {
        request.extensions_mut().insert(Replica(replica.clone()));
    }
    let mut response = next.run(request).await;
    if let Some(value) = replica.and_then(|r| HeaderValue::from_str(&r).ok()) {
        response.headers_mut().insert(X_DRIFTLESS_REPLICA, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> IpBlock {
        text.parse().expect("block")
    }

    #[test]
    fn blocks_contain_what_their_prefix_covers() {
        let ip = |t: &str| t.parse::<IpAddr>().expect("ip");
        assert!(block("10.0.0.0/8").contains(ip("10.200.3.4")));
        assert!(!block("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(block("127.0.0.1").contains(ip("127.0.0.1")));
        assert!(!block("127.0.0.1").contains(ip("127.0.0.2")));
        assert!(block("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(block("127.0.0.1").contains(ip("::ffff:127.0.0.1")));
        assert!(block("fd00::/8").contains(ip("fd12::1")));
        assert!(!block("fd00::/8").contains(ip("127.0.0.1")));
        for bad in ["", "10.0.0.0/33", "::/129", "host", "10.0.0.0/x"] {
            assert!(bad.parse::<IpBlock>().is_err(), "{bad}");
        }
    }

    #[test]
    fn only_a_trusted_peer_s_forwarded_for_is_believed() {
        let origin = Origin {
            replica: None,
            trusted_proxies: vec![block("127.0.0.1"), block("10.0.0.0/8")],
        };
        let request = |xff: &[&str]| {
            let mut builder = axum::http::Request::builder();
            for value in xff {
                builder = builder.header("x-forwarded-for", *value);
            }
            builder.body(axum::body::Body::empty()).expect("request")
        };
        let ip = |t: &str| t.parse::<IpAddr>().expect("ip");
        let lb = ip("127.0.0.1");
        // The client may prepend anything; the hop the balancer added is the right-most.
        let spoofed = request(&["6.6.6.6, 192.0.2.7"]);
        assert_eq!(origin.forwarded_client(lb, &spoofed), Some(ip("192.0.2.7")));
        // Through two trusted hops: skip them.
        let chained = request(&["192.0.2.7", "10.1.1.1"]);
        assert_eq!(origin.forwarded_client(lb, &chained), Some(ip("192.0.2.7")));
        // Not from a trusted peer: ignored.
        assert_eq!(origin.forwarded_client(ip("192.0.2.9"), &spoofed), None);
        // Absent or malformed: the peer is the client.
        assert_eq!(origin.forwarded_client(lb, &request(&[])), None);
        assert_eq!(origin.forwarded_client(lb, &request(&["not-an-ip"])), None);
    }
}
