//! Keeps the connection cap below the process's open-file limit.
//!
//! Past `ulimit -n`, `accept` fails with EMFILE and so does every file the server opens
//! (the query log's spill file, a snapshot reload): a cap the kernel cannot honour is worse
//! than a lower one, so it is lowered, loudly.

/// File descriptors left for everything but client connections: the snapshot's files, the
/// query log store and spill file, the runtime, the listener.
const RESERVED_FDS: u64 = 256;

/// `requested`, or less when the open-file limit cannot hold that many connections.
pub(super) fn cap_connections(requested: usize) -> usize {
    let Some(limit) = soft_open_file_limit() else {
        return requested;
    };
    let available = usize::try_from(limit.saturating_sub(RESERVED_FDS))
        .unwrap_or(usize::MAX)
        .max(1);
    if requested > available {
        tracing::warn!(
            requested,
            open_file_limit = limit,
            serving = available,
            "--max-connections is above what `ulimit -n` allows (less {RESERVED_FDS} for the server's own files); raise the limit to serve more"
        );
        return available;
    }
    requested
}

/// The soft `RLIMIT_NOFILE`, read from /proc (Linux; the workspace forbids the `unsafe`
/// that `getrlimit` would need). `None` when unknown or unlimited.
fn soft_open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_soft_limit(&limits)
}

fn parse_soft_limit(limits: &str) -> Option<u64> {
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_soft_limit() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
                    Max processes             63408                63408                processes \n\
                    Max open files            1024                 524288               files     \n";
        assert_eq!(parse_soft_limit(text), Some(1024));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(parse_soft_limit(unlimited), None);
        assert_eq!(parse_soft_limit(""), None);
    }
}
