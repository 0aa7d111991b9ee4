//! One checker's retry accounting, as keepalived counts it
//! (`tcp_epilog()` in keepalived/check/check_tcp.c, shared by all types):
//!
//! * a success brings the checker up at once and the next check runs after
//!   `delay_loop`;
//! * a failure while up (or before the first result) is retried `retry`
//!   times, `delay_before_retry` apart; the failure after the last retry
//!   brings it down and the next check runs after `delay_loop`;
//! * while down, every failure is followed by a check after
//!   `delay_before_retry` (keepalived keeps counting retries), so recovery
//!   is seen quickly.

use kad_config::model::ResolvedTiming;

/// Microseconds on the caller's clock.
pub type Micros = u64;

/// What a probe found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// A pass that also sets the real server's weight (`misc_dynamic`,
    /// dynamic `FILE_CHECK`).
    PassWeight(u32),
    /// A failure, with the reason shown in `kactl status`.
    Fail(String),
}

impl Outcome {
    pub fn is_pass(&self) -> bool {
        !matches!(self, Outcome::Fail(_))
    }
}

#[derive(Clone, Debug)]
pub struct CheckerState {
    pub up: bool,
    pub has_run: bool,
    pub retry_it: u32,
    pub retry: u32,
    pub delay_loop: Micros,
    pub delay_before_retry: Micros,
    pub warmup: Micros,
    pub last: Option<Outcome>,
    /// When `up` last changed (or the checker was created).
    pub changed_at: Micros,
}

fn micros(d: std::time::Duration) -> Micros {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl CheckerState {
    pub fn new(t: &ResolvedTiming, now: Micros) -> Self {
        CheckerState {
            // `alpha`: down until the first success.
            up: !t.alpha,
            has_run: false,
            retry_it: 0,
            retry: t.retry,
            delay_loop: micros(t.delay_loop),
            delay_before_retry: micros(t.delay_before_retry),
            warmup: micros(t.warmup),
            last: None,
            changed_at: now,
        }
    }

    /// Account for one result. Returns the new up/down state when it
    /// changed, and the delay until the next check.
    pub fn on_result(&mut self, now: Micros, outcome: Outcome) -> (Option<bool>, Micros) {
        let pass = outcome.is_pass();
        self.last = Some(outcome);
        let mut change = None;
        let delay;
        if pass || ((self.up || !self.has_run) && self.retry_it >= self.retry) {
            self.retry_it = 0;
            if pass && !self.up {
                change = Some(true);
            } else if !pass && self.up {
                change = Some(false);
            }
            delay = self.delay_loop;
        } else {
            self.retry_it = self.retry_it.saturating_add(1);
            delay = self.delay_before_retry;
        }
        self.has_run = true;
        if let Some(up) = change {
            self.up = up;
            self.changed_at = now;
        }
        (change, delay)
    }
}
