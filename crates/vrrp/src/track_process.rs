//! `vrrp_track_process`: which processes count, and when the count gives
//! or takes quorum — pure, as keepalived's track_process.c decides it.
//!
//! The daemon's shell counts the matching processes (from the kernel's
//! process event connector where it answers, see `cn_proc`, else by
//! scanning /proc) and feeds the counts here. A rise in the count plays the
//! part of keepalived's fork event (`fork_delay`), a fall that of its exit
//! event (`terminate_delay`).

use crate::time::Time;
use kad_config::model::{ParamMatch, TrackProcess};
use std::time::Duration;

/// Decides whether one process (its `comm` and its `/proc/PID/cmdline`)
/// is one a `vrrp_track_process` counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessMatcher {
    name: Vec<u8>,
    /// The parameters as the kernel keeps them: each word followed by NUL.
    params: Vec<u8>,
    param_match: ParamMatch,
    full_command: bool,
}

impl ProcessMatcher {
    pub fn new(t: &TrackProcess) -> ProcessMatcher {
        let mut params = Vec::new();
        for p in &t.params {
            params.extend_from_slice(p.as_bytes());
            params.push(0);
        }
        ProcessMatcher {
            name: t.process.as_bytes().to_vec(),
            params,
            param_match: t.param_match,
            full_command: t.full_command,
        }
    }

    /// Whether the command line must be read (it is not for `comm` names:
    /// reading a swapped-out process's cmdline swaps it in).
    pub fn needs_cmdline(&self) -> bool {
        self.full_command
    }

    /// `comm` as /proc/PID/stat shows it; `cmdline` as /proc/PID/cmdline
    /// holds it (words each followed by NUL).
    pub fn matches(&self, comm: &[u8], cmdline: &[u8]) -> bool {
        if !self.full_command {
            return comm == self.name.as_slice();
        }
        let (argv0, rest) = match cmdline.iter().position(|&b| b == 0) {
            Some(i) => (&cmdline[..i], &cmdline[i + 1..]),
            None => (cmdline, &[][..]),
        };
        argv0 == self.name.as_slice() && self.params_match(rest)
    }

    fn params_match(&self, rest: &[u8]) -> bool {
        let want = self.params.as_slice();
        match self.param_match {
            ParamMatch::None => true,
            ParamMatch::Exact => rest == want,
            // The given words, each whole, begin the command line's.
            ParamMatch::Partial => rest.starts_with(want),
            // As partial, but the last given word need only begin its word.
            ParamMatch::Initial => want.is_empty() || rest.starts_with(&want[..want.len() - 1]),
        }
    }
}

/// Which event a pending delay waits after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    Fork,
    Terminate,
}

/// The quorum of one `vrrp_track_process`: held while
/// `quorum <= count <= quorum_max`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessQuorum {
    quorum: u32,
    quorum_max: u32,
    fork_delay: Duration,
    terminate_delay: Duration,
    count: u32,
    have_quorum: bool,
    timer: Option<(Time, Pending)>,
}

impl ProcessQuorum {
    /// At start-up the first count decides at once, without delays
    /// (keepalived's initialise_process_tracking_priorities).
    pub fn new(t: &TrackProcess, count: u32) -> ProcessQuorum {
        let mut q = ProcessQuorum {
            quorum: t.quorum,
            quorum_max: t.quorum_max,
            fork_delay: t.fork_delay,
            terminate_delay: t.terminate_delay,
            count,
            have_quorum: false,
            timer: None,
        };
        q.have_quorum = q.in_range(count);
        q
    }

    pub fn have_quorum(&self) -> bool {
        self.have_quorum
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    /// A `fork_delay` runs.
    pub fn fork_pending(&self) -> bool {
        matches!(self.timer, Some((_, Pending::Fork)))
    }

    /// A `terminate_delay` runs.
    pub fn terminate_pending(&self) -> bool {
        matches!(self.timer, Some((_, Pending::Terminate)))
    }

    pub fn deadline(&self) -> Option<Time> {
        self.timer.map(|(t, _)| t)
    }

    fn in_range(&self, n: u32) -> bool {
        n >= self.quorum && n <= self.quorum_max
    }

    /// A new count at `now`. Returns the new quorum when it changed.
    pub fn observe(&mut self, count: u32, now: Time) -> Option<bool> {
        let before = self.count;
        self.count = count;
        if self.in_range(before) == self.in_range(count) {
            return None;
        }
        // Crossing back while a delay runs ends the delay: the state the
        // delay would have left is the one held now.
        if self.timer.take().is_some() {
            return self.set(self.in_range(count));
        }
        let (delay, kind) = if count > before {
            (self.fork_delay, Pending::Fork)
        } else {
            (self.terminate_delay, Pending::Terminate)
        };
        if delay.is_zero() {
            return self.set(self.in_range(count));
        }
        self.timer = Some((now + delay, kind));
        None
    }

    /// Time passes; a delay that has run out decides by the count then.
    pub fn tick(&mut self, now: Time) -> Option<bool> {
        match self.timer {
            Some((at, _)) if at <= now => {
                self.timer = None;
                self.set(self.in_range(self.count))
            }
            _ => None,
        }
    }

    fn set(&mut self, up: bool) -> Option<bool> {
        if up == self.have_quorum {
            return None;
        }
        self.have_quorum = up;
        Some(up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(process: &str, params: &[&str], m: ParamMatch, full: bool) -> TrackProcess {
        TrackProcess {
            name: "t".into(),
            process: process.into(),
            params: params.iter().map(|s| s.to_string()).collect(),
            param_match: m,
            full_command: full,
            weight: 0,
            reverse: false,
            quorum: 1,
            quorum_max: 65535,
            fork_delay: Duration::ZERO,
            terminate_delay: Duration::ZERO,
        }
    }

    #[test]
    fn comm_names_ignore_the_command_line() {
        let m = ProcessMatcher::new(&spec("nginx", &[], ParamMatch::None, false));
        assert!(m.matches(b"nginx", b"/usr/sbin/nginx\0-g\0"));
        assert!(!m.matches(b"nginx-debug", b"nginx\0"));
        assert!(!m.needs_cmdline());
    }

    #[test]
    fn parameters_as_keepalived_compares_them() {
        let cmd = b"/usr/bin/sleep\x001000\0x\0";
        let exact = ProcessMatcher::new(&spec(
            "/usr/bin/sleep",
            &["1000", "x"],
            ParamMatch::Exact,
            true,
        ));
        assert!(exact.matches(b"sleep", cmd));
        assert!(!exact.matches(b"sleep", b"/usr/bin/sleep\x001000\0x\0y\0"));
        let partial = ProcessMatcher::new(&spec(
            "/usr/bin/sleep",
            &["1000"],
            ParamMatch::Partial,
            true,
        ));
        assert!(partial.matches(b"sleep", cmd));
        assert!(
            !partial.matches(b"sleep", b"/usr/bin/sleep\x0010000\0"),
            "whole words only"
        );
        let initial =
            ProcessMatcher::new(&spec("/usr/bin/sleep", &["10"], ParamMatch::Initial, true));
        assert!(initial.matches(b"sleep", b"/usr/bin/sleep\x0010000\0"));
        assert!(!initial.matches(b"sleep", b"/usr/bin/sleep\x00200\0"));
        let none = ProcessMatcher::new(&spec("/usr/bin/sleep", &[], ParamMatch::None, true));
        assert!(none.matches(b"sleep", cmd));
        let exact_none = ProcessMatcher::new(&spec("/usr/bin/sleep", &[], ParamMatch::Exact, true));
        assert!(!exact_none.matches(b"sleep", cmd));
        assert!(exact_none.matches(b"sleep", b"/usr/bin/sleep\0"));
        assert!(
            !none.matches(b"sleep", b"sleep\x001000\0"),
            "argv[0] as written"
        );
    }

    fn quorum(q: u32, max: u32, fork: u64, term: u64) -> TrackProcess {
        TrackProcess {
            quorum: q,
            quorum_max: max,
            fork_delay: Duration::from_secs(fork),
            terminate_delay: Duration::from_secs(term),
            ..spec("p", &[], ParamMatch::None, false)
        }
    }

    fn at(s: u64) -> Time {
        Time::ZERO + Duration::from_secs(s)
    }

    #[test]
    fn start_up_decides_at_once() {
        assert!(ProcessQuorum::new(&quorum(2, 3, 5, 5), 2).have_quorum());
        assert!(!ProcessQuorum::new(&quorum(2, 3, 5, 5), 4).have_quorum());
        assert!(
            ProcessQuorum::new(&quorum(0, 0, 0, 0), 0).have_quorum(),
            "quorum_max 0: absent"
        );
    }

    #[test]
    fn delays_follow_the_kind_of_change() {
        let mut q = ProcessQuorum::new(&quorum(1, 2, 3, 5), 0);
        assert_eq!(q.observe(1, at(0)), None, "fork_delay runs");
        assert_eq!(q.deadline(), Some(at(3)));
        assert_eq!(q.tick(at(2)), None);
        assert_eq!(q.tick(at(3)), Some(true));
        assert_eq!(
            q.observe(3, at(10)),
            None,
            "over quorum_max: a fork, fork_delay"
        );
        assert_eq!(q.deadline(), Some(at(13)));
        assert_eq!(
            q.observe(2, at(11)),
            None,
            "back in range cancels the delay"
        );
        assert_eq!(q.deadline(), None);
        assert!(q.have_quorum());
        assert_eq!(q.observe(0, at(20)), None, "terminate_delay runs");
        assert_eq!(q.tick(at(25)), Some(false));
    }

    #[test]
    fn no_delay_means_at_once() {
        let mut q = ProcessQuorum::new(&quorum(1, 65535, 0, 0), 1);
        assert_eq!(q.observe(0, at(1)), Some(false));
        assert_eq!(q.observe(4, at(2)), Some(true));
        assert_eq!(q.observe(2, at(3)), None);
    }

    #[test]
    fn restart_within_terminate_delay_is_no_flap() {
        let mut q = ProcessQuorum::new(&quorum(1, 65535, 0, 2), 1);
        assert_eq!(q.observe(0, at(1)), None);
        assert_eq!(q.observe(1, at(2)), None);
        assert_eq!(q.tick(at(10)), None);
        assert!(q.have_quorum());
    }

    /// Whatever the counts, once no delay is pending the quorum is exactly
    /// whether the count is in range, and no change is ever reported twice.
    #[test]
    fn settles_to_the_range() {
        use proptest::prelude::*;
        proptest!(ProptestConfig::with_cases(2000), |(
            q in 0u32..4, span in 0u32..4, fork in 0u64..4, term in 0u64..4,
            first in 0u32..8, steps in proptest::collection::vec((0u32..8, 0u64..3), 0..30)
        )| {
            let t = quorum(q, q + span, fork, term);
            let mut p = ProcessQuorum::new(&t, first);
            let mut now = 0;
            let mut last = p.have_quorum();
            for (c, dt) in steps {
                now += dt;
                for change in [p.tick(at(now)), p.observe(c, at(now))].into_iter().flatten() {
                    prop_assert_ne!(change, last);
                    last = change;
                }
                prop_assert_eq!(last, p.have_quorum());
            }
            now += 10;
            if let Some(c) = p.tick(at(now)) { prop_assert_ne!(c, last); }
            prop_assert_eq!(p.have_quorum(), p.count() >= q && p.count() <= q + span);
        });
    }
}
