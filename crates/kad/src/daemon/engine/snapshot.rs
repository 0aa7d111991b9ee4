//! What the engine gives the state dumps (SIGUSR1, SIGUSR2, SIGRTMIN+2)
//! and SIGRTMAX-1's clearing of the counters.

use super::super::dump;
use super::Engine;
use std::time::{Duration, SystemTime};

impl Engine {
    /// The running instances as the dumps show them: `kactl status`'s view
    /// of each, its running configuration and its timers.
    pub(super) fn snapshot(&self) -> dump::Snapshot {
        let now = self.now();
        let wall = SystemTime::now();
        let status = self.status();
        let instances = self
            .insts
            .iter()
            .zip(status.vrrp)
            .map(|(inst, st)| dump::Instance {
                interface: inst.cfg.ifname.clone(),
                cfg: inst.cfg.clone(),
                status: st,
                master_adver_int: inst.fsm.master_adv_int().as_duration(),
                master_down: inst.fsm.master_down_interval(),
                src: inst.src,
                dst: inst.dst.clone(),
                unicast: inst.unicast,
                fd: std::os::fd::AsRawFd::as_raw_fd(&*self.sockets[inst.sock]),
                next_timer: inst.fsm.next_deadline().map(|t| {
                    let ahead =
                        Duration::from_micros(t.as_micros().saturating_sub(now.as_micros()));
                    wall + ahead
                }),
            })
            .collect();
        dump::Snapshot {
            now: wall,
            global: self.global.clone(),
            scripts: Vec::new(),
            script_status: self
                .scripts
                .iter()
                .map(|s| dump::ScriptStatus {
                    name: s.name.clone(),
                    up: s.state.up,
                    against: s.state.against(),
                })
                .collect(),
            sync_groups: Vec::new(),
            up_down_delays: Vec::new(),
            ifaces: Vec::new(),
            instances,
        }
    }

    /// keepalived's SIGRTMAX-1: every instance's counters back to zero.
    pub(super) fn clear_stats(&mut self) {
        for inst in &mut self.insts {
            inst.fsm.stats = Default::default();
        }
    }
}
