//! `driftless serve` flags for client connections and for who may reach `/mcp`.
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use driftless_server::ConnectionLimits;
use driftless_server::mcp::OriginPolicy;

/// Milliseconds between 1 ms and 1 hour.
fn millis() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(1..=3_600_000)
}

/// Connection bounds (docs/operations.md, "Connections").
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// A request head must be complete this many milliseconds after its first byte (or
    /// after connect); slower clients are disconnected.
    #[arg(long, default_value_t = 10_000, value_parser = millis())]
    pub header_timeout_ms: u64,
    /// A keep-alive connection with no request in flight is closed after this many
    /// milliseconds of silence.
    #[arg(long, default_value_t = 60_000, value_parser = millis())]
    pub idle_timeout_ms: u64,
    /// A request body must be complete this many milliseconds after its head (else 408).
    #[arg(long, default_value_t = 30_000, value_parser = millis())]
    pub body_timeout_ms: u64,
    /// Connections served at once; more wait in the kernel's listen backlog. Capped below
    /// `ulimit -n`.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// On SIGTERM/SIGINT, longest wait in milliseconds for in-flight requests before their
    /// connections are closed (idle and slow clients are closed at once).
    #[arg(long, default_value_t = 15_000, value_parser = millis())]
    pub shutdown_grace_ms: u64,
    /// A Host (name or name:port) `/mcp` accepts besides loopback; repeatable, `*` for any.
    /// DNS-rebinding defence: a server reached by a real hostname needs it for `/mcp`.
    #[arg(
        long = "allowed-host",
        env = "DRIFTLESS_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,
    /// A browser Origin (scheme://host[:port], or `null`) `/mcp` accepts besides loopback
    /// pages; repeatable, `*` for any. Requests without Origin (non-browser clients) pass.
    #[arg(
        long = "allowed-origin",
        env = "DRIFTLESS_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
}

impl ConnectionArgs {
    /// The connection limits of the flags.
    pub fn limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_millis(self.header_timeout_ms),
            idle_timeout: Duration::from_millis(self.idle_timeout_ms),
            body_timeout: Duration::from_millis(self.body_timeout_ms),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            shutdown_grace: Duration::from_millis(self.shutdown_grace_ms),
        }
    }

    /// Which Hosts and Origins `/mcp` accepts; a malformed value stops the start-up.
    pub fn mcp_origins(&self) -> Result<OriginPolicy> {
        OriginPolicy::new(&self.allowed_hosts, &self.allowed_origins).map_err(anyhow::Error::msg)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        connections: ConnectionArgs,
    }

    #[test]
    fn defaults_match_the_library_and_flags_override_them() {
        let defaults = Cli::parse_from(["serve"]).connections;
        assert_eq!(defaults.limits(), ConnectionLimits::default());
        assert_eq!(defaults.mcp_origins().unwrap(), OriginPolicy::default());
        let set = Cli::parse_from([
            "serve",
            "--header-timeout-ms=1500",
            "--max-connections=50",
            "--allowed-host=a.example",
            "--allowed-host=b.example:8080",
        ])
        .connections;
        assert_eq!(set.limits().header_timeout, Duration::from_millis(1500));
        assert_eq!(set.limits().max_connections, 50);
        assert_eq!(set.allowed_hosts, ["a.example", "b.example:8080"]);
        assert!(Cli::try_parse_from(["serve", "--idle-timeout-ms=0"]).is_err());
        let bad = Cli::parse_from(["serve", "--allowed-origin=no-scheme"]).connections;
        assert!(bad.mcp_origins().is_err());
    }
}
