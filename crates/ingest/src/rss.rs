//! Peak resident memory of this process, for the build summary (the scale targets are
//! stated in peak RSS, so the build reports it rather than leaving it to `time -v`).

/// `VmHWM` of `/proc/self/status` in bytes; `None` off Linux or when unreadable.
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark() {
        assert_eq!(
            parse_vm_hwm("Name:\tx\nVmHWM:\t  123456 kB\nVmRSS:\t1 kB\n"),
            Some(123456 * 1024)
        );
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes().is_some_and(|b| b > 0));
        }
    }
}
