//! What the engine gives the state dumps (SIGUSR1, SIGUSR2, SIGRTMIN+2).

use super::super::dump;
use super::Engine;
use kad_config::model::Config;
use std::time::{Duration, SystemTime};

/// The configuration the dumps list beside the node's state: scripts, sync
/// groups and interface delays as the running configuration has them.
#[derive(Clone, Debug)]
pub struct DumpConfig {
    scripts: Vec<kad_config::model::VrrpScript>,
    sync_groups: Vec<kad_config::model::SyncGroup>,
    up_down_delays: Vec<kad_config::model::UpDownDelay>,
}

impl DumpConfig {
    pub fn of(cfg: &Config) -> DumpConfig {
        DumpConfig {
            scripts: cfg.vrrp_scripts.clone(),
            sync_groups: cfg.sync_groups.clone(),
            up_down_delays: cfg.interface_up_down_delays.clone(),
        }
    }
}

impl Engine {
    /// The running instances as the dumps show them: `kactl status`'s view
    /// of each, its running configuration and its timers.
    pub(super) fn snapshot(&self) -> dump::Snapshot {
        let now = self.now();
        let wall = SystemTime::now();
        let status = self.node.status(now);
        let instances = self
            .node
            .instances()
            .zip(status)
            .map(|(v, st)| dump::Instance {
                interface: v.interface.to_string(),
                cfg: v.cfg.clone(),
                status: st,
                master_adver_int: v.fsm.master_adv_int().as_duration(),
                master_down: v.fsm.master_down_interval(),
                src: v.src,
                dst: v.dst.to_vec(),
                unicast: v.unicast,
                fd: self
                    .sock_of
                    .get(&(v.interface.to_string(), v.cfg.ipv6))
                    .map_or(-1, |&s| std::os::fd::AsRawFd::as_raw_fd(&*self.sockets[s])),
                next_timer: v.fsm.next_deadline().map(|t| {
                    let ahead =
                        Duration::from_micros(t.as_micros().saturating_sub(now.as_micros()));
                    wall + ahead
                }),
            })
            .collect();
        dump::Snapshot {
            now: wall,
            global: self.global().clone(),
            scripts: self.dump_cfg.scripts.clone(),
            script_status: self
                .node
                .scripts()
                .into_iter()
                .map(|s| dump::ScriptStatus {
                    name: s.name,
                    up: s.up,
                    against: s.against,
                })
                .collect(),
            sync_groups: self.dump_cfg.sync_groups.clone(),
            up_down_delays: self.dump_cfg.up_down_delays.clone(),
            ifaces: Vec::new(),
            instances,
            processes: self.node.processes(),
        }
    }
}
