//! keepalived's `-V` (`--dont-release-vrrp`: VIPs and virtual routes stay
//! when kad stops) and `-X` (`--release-vips`: an instance that enters
//! BACKUP or FAULT removes its VIPs even when this run did not add them,
//! e.g. left behind by a run stopped with `-V`).

use super::Engine;
use kad_vrrp::fsm::State;

#[derive(Clone, Copy, Debug, Default)]
pub struct Release {
    pub keep_on_stop: bool,
    pub always: bool,
}

impl Engine {
    pub fn set_release(&mut self, r: Release) {
        self.release = r;
    }

    /// Whether VIPs are left in place: only while stopping under `-V`.
    pub(super) fn keeps_vips(&self) -> bool {
        self.stopping.is_some() && self.release.keep_on_stop
    }

    /// `-X`: after a transition to BACKUP or FAULT, remove the addresses
    /// whoever added them.
    pub(super) async fn release_on(&mut self, i: usize, to: State) {
        if self.release.always
            && self.stopping.is_none()
            && matches!(to, State::Backup | State::Fault)
            && !self.insts[i].fsm.holds_vips()
        {
            self.remove_vips(i).await;
        }
    }
}
