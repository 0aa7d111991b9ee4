//! What `kactl status`, the metrics and the dumps show of each instance:
//! defined once, here, with the counters of [`crate::stats::Stats`]
//! (`kactl` re-exports both as its schema).

use super::output::state_word;
use super::Node;
use crate::fsm::State;
use crate::params;
use crate::stats::Stats;
use crate::time::Time;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceStatus {
    pub name: String,
    /// `INIT`, `BACKUP`, `MASTER`, `FAULT` or `STOP`.
    pub state: String,
    pub interface: String,
    pub vrid: u8,
    pub version: u8,
    /// Configured priority.
    pub priority: u8,
    /// Priority after trackers.
    pub effective_priority: u8,
    /// Advert interval in seconds.
    pub advert_int: f64,
    /// Virtual addresses (`addr/len`), advertised and excluded.
    pub vips: Vec<String>,
    /// Whether this node holds the addresses now.
    pub vips_held: bool,
    /// The current master and its priority, as seen in BACKUP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_addr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_priority: Option<u8>,
    /// Seconds since the last state change.
    pub since_transition_secs: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_group: Option<String>,
    /// Why the instance is in FAULT, if it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fault_reasons: Vec<String>,
    pub stats: Stats,
    /// State changes since start.
    #[serde(default)]
    pub transitions: u64,
    /// The operator's priority (`kactl priority` / `failover`), if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_override: Option<u8>,
}

impl Node {
    /// Every instance's status at `now`, in configuration order.
    pub fn status(&self, now: Time) -> Vec<InstanceStatus> {
        self.slots
            .iter()
            .map(|s| {
                let st = s.fsm.state();
                let (master_addr, master_priority) = match (st, s.fsm.master()) {
                    (State::Backup, Some((a, p))) => (Some(a.to_string()), Some(p)),
                    _ => (None, None),
                };
                InstanceStatus {
                    name: s.cfg.name.clone(),
                    state: state_word(st).to_string(),
                    interface: s.cfg.interface.clone().unwrap_or_default(),
                    vrid: s.cfg.vrid.0,
                    version: params::version(&s.cfg).number(),
                    priority: s.cfg.priority.0,
                    effective_priority: s.fsm.priority(),
                    advert_int: f64::from(s.cfg.advert_int.0) / 100.0,
                    vips: s.all_vips().iter().map(|a| a.addr.to_string()).collect(),
                    vips_held: s.fsm.holds_vips(),
                    master_addr,
                    master_priority,
                    since_transition_secs: (now - s.fsm.last_transition()).as_secs_f64(),
                    sync_group: s.group.map(|g| self.groups[g].name.clone()),
                    fault_reasons: if st == State::Fault {
                        s.fault_reasons.clone()
                    } else {
                        Vec::new()
                    },
                    stats: s.fsm.stats.clone(),
                    transitions: s.transitions,
                    priority_override: self.prio_override.get(&s.cfg.name).copied(),
                }
            })
            .collect()
    }
}
