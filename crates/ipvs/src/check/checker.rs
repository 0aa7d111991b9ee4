//! One checker's retry accounting, as keepalived counts it.
//!
//! Most types share `tcp_epilog()` (keepalived/check/check_tcp.c):
//!
//! * a success brings the checker up at once and the next check runs after
//!   `delay_loop`;
//! * a failure while up (or before the first result) is retried `retry`
//!   times, `delay_before_retry` apart; the failure after the last retry
//!   brings it down and the next check runs after `delay_loop`;
//! * while down, every failure is followed by a check after
//!   `delay_before_retry` (keepalived keeps counting retries), so recovery
//!   is seen quickly.
//!
//! HTTP_GET and SSL_GET have their own `epilog()` (check_http.c), which
//! remembers the failure that brought the checker down (its `failed_url`):
//!
//! * while down with that failure known, checks run `max(delay_loop,
//!   delay_before_retry)` apart;
//! * the first success after it only forgets the failure: the checker comes
//!   up on the next success, a `delay_loop` later;
//! * `fast_recovery` runs that next check at once instead: whenever the
//!   checker is not up and no failure is known. keepalived 2.2.7 also
//!   re-checks at once after a failure while down with no failure known,
//!   which, against a server that keeps failing, is a loop with no pause;
//!   kad waits `delay_before_retry` there (the delay keepalived computes).

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

/// Which of keepalived's epilogs counts this checker's results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Epilog {
    /// `tcp_epilog()` and the like: every type but HTTP_GET/SSL_GET.
    Tcp,
    /// HTTP_GET / SSL_GET's `epilog()`.
    Http { fast_recovery: bool },
}

/// What a result is worth a log line for (keepalived's `log_message`s of
/// the checkers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// A failure while up or before the first result, logged only with
    /// `log_all_failures` / `checker_log_all_failures`.
    Failure,
    /// The checker went down, after this many retries.
    Down { retries: u32 },
    /// The checker came up, or its first result is a success.
    Up,
}

/// The accounting of one result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The new up/down state when it changed.
    pub change: Option<bool>,
    /// Until the next check.
    pub delay: Micros,
    /// What to log, in order.
    pub notes: Vec<Note>,
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
    pub epilog: Epilog,
    /// HTTP: the failure that brought it down is known (keepalived's
    /// `failed_url`).
    pub failed: bool,
    /// Log every failure, not only the transitions.
    pub log_all: bool,
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
            epilog: Epilog::Tcp,
            failed: false,
            log_all: t.log_all_failures,
        }
    }

    /// Account for one result. Returns the new up/down state when it
    /// changed, and the delay until the next check.
    pub fn on_result(&mut self, now: Micros, outcome: Outcome) -> (Option<bool>, Micros) {
        let s = self.step(now, outcome);
        (s.change, s.delay)
    }

    /// Account for one result: the change, the delay and the log notes.
    pub fn step(&mut self, now: Micros, outcome: Outcome) -> Step {
        let pass = outcome.is_pass();
        self.last = Some(outcome);
        let mut notes = Vec::new();
        if !pass && self.log_all && self.logs_failure() {
            notes.push(Note::Failure);
        }
        let first = !self.has_run;
        let (change, delay) = match self.epilog {
            Epilog::Tcp => self.tcp(pass),
            Epilog::Http { fast_recovery } => self.http(pass, fast_recovery),
        };
        match change {
            Some(true) => notes.push(Note::Up),
            // Going down takes every retry (keepalived prints `retry`).
            Some(false) => notes.push(Note::Down {
                retries: self.retry,
            }),
            None if pass && first => notes.push(Note::Up),
            None => {}
        }
        if let Some(up) = change {
            self.up = up;
            self.changed_at = now;
        }
        Step {
            change,
            delay,
            notes,
        }
    }

    /// keepalived logs a failure (with `log_all_failures`) while the
    /// checker is up; HTTP_GET also before its first result.
    fn logs_failure(&self) -> bool {
        match self.epilog {
            Epilog::Tcp => self.up,
            Epilog::Http { .. } => self.up || !self.has_run,
        }
    }

    fn tcp(&mut self, pass: bool) -> (Option<bool>, Micros) {
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
        (change, delay)
    }

    fn http(&mut self, pass: bool, fast_recovery: bool) -> (Option<bool>, Micros) {
        let mut change = None;
        let slow = self.delay_before_retry.max(self.delay_loop);
        let mut failed_while_down = false;
        let delay = if pass {
            if self.failed {
                // The failed url answers again: all of them are checked
                // again before the checker comes up.
                self.failed = false;
            } else if !self.up {
                change = Some(true);
            }
            self.has_run = true;
            self.retry_it = 0;
            self.delay_loop
        } else if self.up || !self.has_run {
            self.has_run = true;
            self.retry_it = self.retry_it.saturating_add(1);
            if self.retry_it > self.retry {
                if self.up {
                    change = Some(false);
                }
                self.failed = true;
                slow
            } else {
                self.delay_before_retry
            }
        } else {
            failed_while_down = true;
            if self.failed {
                slow
            } else {
                self.delay_before_retry
            }
        };
        let up = change.unwrap_or(self.up);
        if fast_recovery && !up && !self.failed && !failed_while_down {
            return (change, 0);
        }
        (change, delay)
    }
}
