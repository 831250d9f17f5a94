//! Progress of long jobs: an indicatif bar on a terminal, plain lines otherwise.
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How a long job reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    #[default]
    Auto,
    /// Always plain lines on stderr (CI logs, pipes).
    Lines,
    /// Nothing (tests, embedding).
    Hidden,
}

/// One phase of a job ("reading", "indexing", …).
#[derive(Debug)]
pub struct Phase {
    bar: Option<ProgressBar>,
    lines: bool,
    name: &'static str,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last_line: Instant,
}

impl Phase {
    /// Starts a phase of `total` steps (unknown when `None`).
    pub fn start(progress: Progress, name: &'static str, total: Option<u64>) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = match progress {
            Progress::Auto if terminal => {
                let bar = match total {
                    Some(n) => ProgressBar::new(n),
                    None => ProgressBar::new_spinner(),
                };
                let template = "{prefix:>10} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta})";
                if let Ok(style) = ProgressStyle::with_template(template) {
                    bar.set_style(style);
                }
                bar.set_prefix(name);
                Some(bar)
            }
            _ => None,
        };
        let lines =
            matches!(progress, Progress::Lines) || (progress == Progress::Auto && !terminal);
        let now = Instant::now();
        Self {
            bar,
            lines,
            name,
            total,
            done: 0,
            started: now,
            last_line: now,
        }
    }

    /// Advances by `n` steps.
    pub fn inc(&mut self, n: u64) {
        self.done += n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
        if self.lines && self.last_line.elapsed() >= Duration::from_secs(2) {
            self.last_line = Instant::now();
            self.print_line();
        }
    }

    fn print_line(&self) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        let rate = self.done as f64 / secs;
        match self.total {
            Some(total) if total > 0 => eprintln!(
                "{}: {}/{} ({:.0}%), {:.0}/s, {:.1}s",
                self.name,
                self.done,
                total,
                100.0 * self.done as f64 / total as f64,
                rate,
                secs
            ),
            _ => eprintln!("{}: {}, {:.0}/s, {:.1}s", self.name, self.done, rate, secs),
        }
    }

    /// Ends the phase.
    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.lines {
            self.print_line();
        }
    }
}
