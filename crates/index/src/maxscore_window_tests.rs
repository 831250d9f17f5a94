//! The window's bookkeeping (what the rankings tests cannot see: a slot left set or a
//! share left behind would only show in a later window of some other query) and the
//! choice between scanning and seeking.
use tantivy::postings::SegmentPostings;

use super::*;

fn cursor(density: f64, weight: f32) -> Cursor {
    Cursor {
        postings: SegmentPostings::empty(),
        weight,
        order: 0,
        density,
    }
}

#[test]
fn prune_drops_what_cannot_enter_and_reset_leaves_nothing_behind() {
    let mut window = Window::new(2);
    for (slot, upper) in [(3usize, 1.0), (70, 5.0), (4095, 2.0)] {
        window.set_alive(slot, true);
        window.candidates.push(slot as u16);
        window.upper[slot] = upper;
        window.shares[slot] = 0.5;
        window.shares[WINDOW as usize + slot] = 0.25;
    }
    window.touched.extend_from_slice(&window.candidates);
    window.prune(2.0);
    assert_eq!(window.candidates, [70, 4095]);
    assert!(!window.is_alive(3) && window.is_alive(70) && window.is_alive(4095));
    window.reset(2);
    assert!(window.candidates.is_empty() && window.touched.is_empty());
    assert!(window.alive.iter().all(|&word| word == 0));
    assert!(window.shares.iter().all(|&share| share == 0.0));
}

#[test]
fn dense_non_essential_lists_are_scanned_sparse_ones_sought() {
    // "hez nuz dup": one essential list of 17 % against lists of 23 and 30 %: scan.
    let heavy = [cursor(0.30, 1.2), cursor(0.23, 1.5), cursor(0.17, 1.8)];
    assert!(scans_any(&heavy, 2));
    // "foz laz napek": a rare essential word (2 %) against common ones (15-20 %): seek.
    let rare = [cursor(0.20, 1.8), cursor(0.15, 2.0), cursor(0.02, 4.0)];
    assert!(!scans_any(&rare, 2));
    // Nothing non-essential (the top-k not full yet): nothing to scan.
    assert!(!scans_any(&heavy, 0));
}

#[test]
fn the_bar_never_turns_away_what_the_slack_admits() {
    for entry in [0.0, 1e-9, 0.37, 3.2, 17.5, 1e4] {
        let bar = entry_bar(entry);
        // Bounds a few ulps either side of the bar: whatever the former test
        // (`upper·(1+SLACK)+1e-9 ≥ entry`) admitted, the bar admits, but for rounding in
        // the last ulps (SLACK is ten orders of magnitude wider).
        let mut upper = bar;
        for _ in 0..16 {
            upper = upper.next_down();
        }
        for _ in 0..32 {
            // Bounds are sums of shares, never negative.
            if upper >= 0.0 && upper * (1.0 + SLACK) + 1e-9 >= entry {
                let ulps = 4.0 * (bar.next_up() - bar).abs();
                assert!(upper >= bar - ulps, "{upper} against {bar} ({entry})");
            }
            upper = upper.next_up();
        }
    }
    assert_eq!(entry_bar(f64::NEG_INFINITY), f64::NEG_INFINITY);
}
