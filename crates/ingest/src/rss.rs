//! Peak memory of this process, for the build summary (the scale targets are stated in
//! peak RSS, so the build reports it rather than leaving it to `time -v`).
//!
//! `VmHWM` counts file pages mapped and touched too. The build's own merges read by copy
//! (read_dir.rs), but the build still maps files at times (opening the finished snapshot to
//! verify it, the vectors of a dense build), so it also samples `RssAnon` (heap and stacks,
//! the memory a build really needs) and reports its peak.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How often the anonymous RSS is sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// `VmHWM` of `/proc/self/status` in bytes; `None` off Linux or when unreadable.
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    status_kib("VmHWM:").map(|kib| kib * 1024)
}

fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_kib(&status, key)
}

fn parse_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.trim_start_matches(key)
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Samples `RssAnon` on a thread of its own until finished.
#[derive(Debug)]
pub(crate) struct AnonSampler {
    peak_kib: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl AnonSampler {
    pub fn start() -> Self {
        let peak_kib = Arc::new(AtomicU64::new(status_kib("RssAnon:").unwrap_or(0)));
        let stop = Arc::new(AtomicBool::new(false));
        let (peak, done) = (Arc::clone(&peak_kib), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("rss-sampler".into())
            .spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    if let Some(kib) = status_kib("RssAnon:") {
                        peak.fetch_max(kib, Ordering::Relaxed);
                    }
                    std::thread::sleep(SAMPLE_EVERY);
                }
            })
            .ok();
        AnonSampler {
            peak_kib,
            stop,
            thread,
        }
    }

    /// The peak anonymous RSS seen, in bytes (`None` off Linux).
    pub fn finish(mut self) -> Option<u64> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let last = status_kib("RssAnon:")?;
        Some(self.peak_kib.load(Ordering::Relaxed).max(last) * 1024)
    }
}

impl Drop for AnonSampler {
    // A build that fails early drops the sampler unfinished: stop its thread anyway.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark_and_anonymous_memory() {
        let status = "Name:\tx\nVmHWM:\t  123456 kB\nRssAnon:\t  777 kB\n";
        assert_eq!(parse_kib(status, "VmHWM:"), Some(123456));
        assert_eq!(parse_kib(status, "RssAnon:"), Some(777));
        assert_eq!(parse_kib("Name:\tx\n", "VmHWM:"), None);
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes().is_some_and(|b| b > 0));
            let sampler = AnonSampler::start();
            // 64 MB touched while sampling: the peak must see it.
            let block = vec![1u8; 64 << 20];
            std::thread::sleep(SAMPLE_EVERY * 3);
            let peak = sampler.finish();
            assert!(block.iter().all(|&b| b == 1));
            assert!(peak.is_some_and(|b| b >= 64 << 20), "{peak:?}");
        }
    }
}
