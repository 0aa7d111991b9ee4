//! The processes `vrrp_track_process` counts, kept up to date from the
//! kernel's process events as keepalived's track_process.c keeps its
//! process tree: a scan to start (and after lost events), then an exec or
//! comm change re-reads that process, a fork of a counted process counts
//! the child for the same trackers (it has its parent's name and command
//! line), an exit uncounts the process.

use super::proc_scan::Scanner;
use kad_vrrp::cn_proc::ProcEvent;
use std::collections::HashMap;

/// The counted processes and the trackers each counts for.
pub struct Follower {
    scanner: Scanner,
    pids: HashMap<i32, Vec<usize>>,
}

impl Follower {
    pub fn new(scanner: Scanner) -> Follower {
        Follower {
            scanner,
            pids: HashMap::new(),
        }
    }

    /// Start again from /proc (blocking).
    pub fn rescan(&mut self) {
        self.pids = self.scanner.scan();
    }

    /// Follow events in the order the kernel sent them (blocking: an exec
    /// or comm change reads the process's /proc files). Re-reading gives
    /// the process's state now, so an event handled after a rescan that
    /// already saw its effect changes nothing.
    pub fn apply(&mut self, events: &[ProcEvent]) {
        for ev in events {
            match *ev {
                ProcEvent::Fork { parent, child } => {
                    if let Some(t) = self.pids.get(&parent).cloned() {
                        self.pids.insert(child, t);
                    }
                }
                ProcEvent::Exec { pid } | ProcEvent::Comm { pid } => {
                    let t = self.scanner.matching(pid);
                    if t.is_empty() {
                        self.pids.remove(&pid);
                    } else {
                        self.pids.insert(pid, t);
                    }
                }
                ProcEvent::Exit { pid } => {
                    self.pids.remove(&pid);
                }
                ProcEvent::Ack { .. } | ProcEvent::Other => {}
            }
        }
    }

    /// Each tracker's count.
    pub fn counts(&self) -> HashMap<String, u32> {
        self.scanner.tally(&self.pids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kad_config::model::{ParamMatch, TrackProcess};
    use std::time::Duration;

    fn tracker(process: &str) -> TrackProcess {
        TrackProcess {
            name: "t".into(),
            process: process.into(),
            params: Vec::new(),
            param_match: ParamMatch::None,
            full_command: false,
            weight: 0,
            reverse: false,
            quorum: 1,
            quorum_max: u32::MAX,
            fork_delay: Duration::ZERO,
            terminate_delay: Duration::ZERO,
        }
    }

    #[test]
    fn events_move_the_count() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let mut f = Follower::new(Scanner::new(&[tracker("sleep")]));
        // Not yet scanned: an exec event reads the process.
        f.apply(&[ProcEvent::Exec { pid }]);
        let before = f.counts()["t"];
        assert!(before >= 1);
        // A fork of a counted process counts the child (no /proc read:
        // i32::MAX has no /proc entry).
        f.apply(&[ProcEvent::Fork {
            parent: pid,
            child: i32::MAX,
        }]);
        assert_eq!(f.counts()["t"], before + 1);
        f.apply(&[ProcEvent::Exit { pid: i32::MAX }, ProcEvent::Exit { pid }]);
        assert_eq!(f.counts()["t"], before - 1);
        // A fork of an uncounted process counts nothing.
        f.apply(&[ProcEvent::Fork {
            parent: pid,
            child: 7,
        }]);
        assert_eq!(f.counts()["t"], before - 1);
        // An exec into something else uncounts: here the pid is gone.
        child.kill().unwrap();
        child.wait().unwrap();
        f.apply(&[ProcEvent::Exec { pid }]);
        assert_eq!(f.counts()["t"], before - 1);
        // A rescan agrees with /proc.
        f.rescan();
        assert_eq!(f.counts(), Scanner::new(&[tracker("sleep")]).count());
    }
}
