//! Progress of a live scan on stderr (indicatif): subscriptions and requests
//! done, throttled waits, errors and an ETA. The collector and the HTTP client
//! report through one [`Progress`]; a disabled one only counts (a few relaxed
//! atomics), so the hook costs nothing when `--quiet` is given or stderr is
//! not a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counters of a scan in progress, and the bar that shows them when enabled.
pub struct Progress {
    bar: Option<ProgressBar>,
    subscriptions_total: AtomicU64,
    subscriptions_done: AtomicU64,
    requests_expected: AtomicU64,
    requests_done: AtomicU64,
    paced_waits: AtomicU64,
    throttled: AtomicU64,
    errors: AtomicU64,
}

/// What a [`Progress`] has counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressSnapshot {
    pub subscriptions_total: u64,
    pub subscriptions_done: u64,
    pub requests_expected: u64,
    pub requests_done: u64,
    /// Requests held back by the client's own token bucket (slowing down before a 429).
    pub paced_waits: u64,
    /// 429 answers received (each followed by a `Retry-After` wait).
    pub throttled: u64,
    /// Reads that failed for good (after their retries).
    pub errors: u64,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("enabled", &self.is_enabled())
            .field("counts", &self.snapshot())
            .finish()
    }
}

impl Progress {
    fn with_bar(bar: Option<ProgressBar>) -> Arc<Progress> {
        Arc::new(Progress {
            bar,
            subscriptions_total: AtomicU64::new(0),
            subscriptions_done: AtomicU64::new(0),
            requests_expected: AtomicU64::new(0),
            requests_done: AtomicU64::new(0),
            paced_waits: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        })
    }

    /// Counts only; draws nothing.
    pub fn disabled() -> Arc<Progress> {
        Progress::with_bar(None)
    }

    /// A bar on stderr, unless `quiet` or stderr is not a terminal (then disabled).
    pub fn stderr(quiet: bool) -> Arc<Progress> {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress::disabled();
        }
        Progress::to_target(ProgressDrawTarget::stderr_with_hz(10))
    }

    /// A bar drawn to `target` (tests draw to a hidden target).
    pub fn to_target(target: ProgressDrawTarget) -> Arc<Progress> {
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} requests · {msg} · ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(250));
        let p = Progress::with_bar(Some(bar));
        p.refresh();
        p
    }

    pub fn is_enabled(&self) -> bool {
        self.bar.is_some()
    }

    fn refresh(&self) {
        if let Some(bar) = &self.bar {
            let s = self.snapshot();
            bar.set_message(format!(
                "subscriptions {}/{} · throttled waits {} (429s {}) · errors {}",
                s.subscriptions_done,
                s.subscriptions_total,
                s.paced_waits + s.throttled,
                s.throttled,
                s.errors
            ));
        }
    }

    /// The scan covers `n` subscriptions (more may be added).
    pub fn add_subscriptions(&self, n: u64) {
        self.subscriptions_total.fetch_add(n, Ordering::Relaxed);
        self.refresh();
    }

    /// One subscription has all its own reads done.
    pub fn subscription_done(&self) {
        self.subscriptions_done.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    /// `n` more requests are planned (the bar's length grows as the scan learns the estate).
    pub fn expect_requests(&self, n: u64) {
        let total = self.requests_expected.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.bar {
            bar.set_length(total.max(self.requests_done.load(Ordering::Relaxed)));
        }
    }

    /// A request finished (answered, or failed after its retries).
    pub fn request_done(&self) {
        let done = self.requests_done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            if done > bar.length().unwrap_or(0) {
                bar.set_length(done);
            }
            bar.set_position(done);
        }
    }

    /// The client held a request back to stay within the read quota.
    pub fn paced_wait(&self) {
        self.paced_waits.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    /// A 429 was received.
    pub fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    /// A read failed for good.
    pub fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    /// Removes the bar (call before printing the report, and on Ctrl-C).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    pub fn snapshot(&self) -> ProgressSnapshot {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ProgressSnapshot {
            subscriptions_total: l(&self.subscriptions_total),
            subscriptions_done: l(&self.subscriptions_done),
            requests_expected: l(&self.requests_expected),
            requests_done: l(&self.requests_done),
            paced_waits: l(&self.paced_waits),
            throttled: l(&self.throttled),
            errors: l(&self.errors),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_with_or_without_a_bar() {
        for p in [
            Progress::disabled(),
            Progress::to_target(ProgressDrawTarget::hidden()),
        ] {
            p.add_subscriptions(2);
            p.expect_requests(3);
            p.request_done();
            p.request_done();
            p.paced_wait();
            p.throttled();
            p.error();
            p.subscription_done();
            let s = p.snapshot();
            assert_eq!(
                (
                    s.subscriptions_total,
                    s.subscriptions_done,
                    s.requests_expected
                ),
                (2, 1, 3)
            );
            assert_eq!(
                (s.requests_done, s.paced_waits, s.throttled, s.errors),
                (2, 1, 1, 1)
            );
            p.finish();
        }
        assert!(
            !Progress::stderr(true).is_enabled(),
            "--quiet draws nothing"
        );
    }
}
