//! Counting the processes each `vrrp_track_process` matches, from /proc:
//! all of them (a scan) or one (after a process event, see
//! `proc_follow`). Where the kernel's process event connector answers
//! (the initial network namespace) the engine scans once and then follows
//! its events; elsewhere (keepalived 2.2.7 run there fails with errno 111
//! and holds its instances in FAULT) it repeats the scan every
//! [`SCAN_EVERY`]. Either way the reads run off the VRRP runtime (a
//! blocking thread), and the node's `fork_delay` / `terminate_delay` act
//! on the counts as on keepalived's events.

use kad_config::model::TrackProcess;
use kad_vrrp::track_process::ProcessMatcher;
use std::collections::HashMap;
use std::time::Duration;

/// How often the counts are taken: a process that starts or ends is seen
/// within this (keepalived sees it at once; its delays are in seconds).
pub const SCAN_EVERY: Duration = Duration::from_millis(100);

/// The trackers to count for.
#[derive(Clone)]
pub struct Scanner {
    trackers: Vec<(String, ProcessMatcher)>,
    cmdline: bool,
}

impl Scanner {
    pub fn new(trackers: &[TrackProcess]) -> Scanner {
        let trackers: Vec<(String, ProcessMatcher)> = trackers
            .iter()
            .map(|t| (t.name.clone(), ProcessMatcher::new(t)))
            .collect();
        let cmdline = trackers.iter().any(|(_, m)| m.needs_cmdline());
        Scanner { trackers, cmdline }
    }

    pub fn is_empty(&self) -> bool {
        self.trackers.is_empty()
    }

    /// Each tracker's count now (blocking: reads /proc).
    pub fn count(&self) -> HashMap<String, u32> {
        self.tally(&self.scan())
    }

    /// Every running process that counts for some tracker, with the
    /// trackers it counts for (indices into them); blocking.
    pub fn scan(&self) -> HashMap<i32, Vec<usize>> {
        let mut pids = HashMap::new();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return pids;
        };
        for ent in dir.flatten() {
            let name = ent.file_name();
            let Some(pid) = name
                .to_str()
                .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            let m = self.matching(pid);
            if !m.is_empty() {
                pids.insert(pid, m);
            }
        }
        pids
    }

    /// The trackers one process counts for (blocking: reads its /proc
    /// files). Empty when it is not running — a process may end between a
    /// listing or an event and the reads — or counts for none.
    pub fn matching(&self, pid: i32) -> Vec<usize> {
        let Ok(stat) = std::fs::read(format!("/proc/{pid}/stat")) else {
            return Vec::new();
        };
        let Some(comm) = live_comm(&stat) else {
            return Vec::new();
        };
        let mut cmd = Vec::new();
        if self.cmdline {
            match std::fs::read(format!("/proc/{pid}/cmdline")) {
                Ok(c) => cmd = c,
                Err(_) => return Vec::new(),
            }
        }
        self.trackers
            .iter()
            .enumerate()
            .filter(|(_, (_, m))| m.matches(comm, &cmd))
            .map(|(i, _)| i)
            .collect()
    }

    /// Each tracker's count from the processes of [`Scanner::scan`].
    pub fn tally(&self, pids: &HashMap<i32, Vec<usize>>) -> HashMap<String, u32> {
        let mut n = vec![0u32; self.trackers.len()];
        for i in pids.values().flatten() {
            if let Some(c) = n.get_mut(*i) {
                *c += 1;
            }
        }
        self.trackers
            .iter()
            .zip(n)
            .map(|((name, _), c)| (name.clone(), c))
            .collect()
    }
}

/// The `comm` field of a /proc/PID/stat line, or None for a zombie (an
/// exited process not yet reaped is not running, as keepalived rules).
/// `comm` may hold spaces and parentheses: it ends at the last ')'.
fn live_comm(stat: &[u8]) -> Option<&[u8]> {
    let open = stat.iter().position(|&b| b == b'(')?;
    let close = stat.iter().rposition(|&b| b == b')')?;
    let state = stat.get(close + 2)?;
    (close > open && *state != b'Z').then(|| &stat[open + 1..close])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines() {
        assert_eq!(live_comm(b"42 (sleep) S 1 42 42 0 -1"), Some(&b"sleep"[..]));
        assert_eq!(live_comm(b"42 (a) b) R 1"), Some(&b"a) b"[..]));
        assert_eq!(live_comm(b"42 (sleep) Z 1 42"), None);
        assert_eq!(live_comm(b"garbage"), None);
    }

    #[test]
    fn counts_this_test_process() {
        let me = std::fs::read("/proc/self/stat").unwrap();
        let comm = String::from_utf8(live_comm(&me).unwrap().to_vec()).unwrap();
        let t = TrackProcess {
            name: "me".into(),
            process: comm,
            params: Vec::new(),
            param_match: kad_config::model::ParamMatch::None,
            full_command: false,
            weight: 0,
            reverse: false,
            quorum: 1,
            quorum_max: u32::MAX,
            fork_delay: Duration::ZERO,
            terminate_delay: Duration::ZERO,
        };
        let counts = Scanner::new(&[t]).count();
        assert!(counts["me"] >= 1, "{counts:?}");
    }
}
