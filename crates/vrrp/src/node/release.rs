//! Stopping, and keepalived's `-V` (`--dont-release-vrrp`: VIPs and
//! virtual routes stay when kad stops) and `-X` (`--release-vips`: an
//! instance that enters BACKUP or FAULT removes its VIPs even when this run
//! did not add them, e.g. left behind by a run stopped with `-V`).
//!
//! A stop hands over: each MASTER sends a priority-0 advert and keeps its
//! VIPs until the successor speaks (bounded by the machine), the node
//! stops waiting after [`super::STOP_GRACE`], and no VIP stays behind.

use super::{Node, STOP_GRACE};
use crate::fsm::{Input, State};
use crate::time::Time;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Release {
    pub keep_on_stop: bool,
    pub always: bool,
}

impl Node {
    pub fn set_release(&mut self, r: Release) {
        self.release = r;
    }

    /// An orderly stop: every machine stops (masters hand over).
    pub fn stop(&mut self, now: Time) {
        if self.stopping.is_some() {
            return;
        }
        self.stopping = Some(now);
        for i in 0..self.slots.len() {
            self.drive(now, i, Input::Stop);
        }
    }

    pub fn stopping(&self) -> bool {
        self.stopping.is_some()
    }

    /// Whether a stop is over: every VIP let go, or the grace has passed.
    pub fn stopped(&self, now: Time) -> bool {
        match self.stopping {
            Some(since) => {
                self.slots.iter().all(|s| !s.fsm.holds_vips()) || now >= since + STOP_GRACE
            }
            None => false,
        }
    }

    /// The last word before the shell exits: never leave a VIP behind
    /// (unless `-V` keeps them).
    pub fn finish(&mut self) {
        for i in 0..self.slots.len() {
            if self.slots[i].fsm.holds_vips() || self.stopping.is_some() {
                self.remove_vips(i);
            }
        }
    }

    /// Whether VIPs are left in place: only while stopping under `-V`.
    pub(super) fn keeps_vips(&self) -> bool {
        self.stopping.is_some() && self.release.keep_on_stop
    }

    /// `-X`: after a transition to BACKUP or FAULT, remove the addresses
    /// whoever added them.
    pub(super) fn release_on(&mut self, i: usize, to: State) {
        if self.release.always
            && self.stopping.is_none()
            && matches!(to, State::Backup | State::Fault)
            && !self.slots[i].fsm.holds_vips()
        {
            self.remove_vips(i);
        }
    }
}
