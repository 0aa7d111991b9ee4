//! VRRP on a reload (SIGHUP), as keepalived's `clear_diff_vrrp` does it.
//! An instance is the same one when its VRID, family, interface, unicast
//! use (and unicast source), multicast group and version are
//! (keepalived's `vrrp_exist`, plus the version): it keeps its state,
//! timers and counters and takes every other setting in place
//! (`reconfigure.rs`); an untouched one is not even re-armed. An instance
//! that is gone is deleted (`removed.rs`: priority-0 advert if MASTER,
//! routes and VIPs removed, `notify_deleted` or keepalived's FAULT
//! notifies); a new one (or one whose identity changed) starts as at
//! start-up. Trackers, scripts and sync groups are taken from the new
//! configuration; a script that did not change keeps its state.

use super::env::{self, Env};
use super::slot::Slot;
use super::Node;
use crate::fsm::Input;
use crate::packet::Version;
use crate::params;
use crate::time::Time;
use kad_config::model::{Config, GlobalDefs, VrrpInstance};
use std::net::IpAddr;

/// What makes an instance the same one across a reload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub vrid: u8,
    pub ipv6: bool,
    pub interface: String,
    /// Where adverts and VIPs go (a VMAC added, removed or renamed moves
    /// them: another instance).
    pub xmit_interface: String,
    pub vip_interface: String,
    pub version: Version,
    /// The unicast source, for unicast instances; the group otherwise.
    pub unicast: bool,
    pub addr: Option<IpAddr>,
}

pub fn identity(c: &VrrpInstance, global: &GlobalDefs) -> Identity {
    let unicast = !c.unicast_peers.is_empty();
    Identity {
        vrid: c.vrid.0,
        ipv6: c.ipv6,
        interface: env::interface_of(c, global),
        xmit_interface: crate::vmac::xmit_interface(c, global),
        vip_interface: crate::vmac::vip_interface(c, global),
        version: params::version(c),
        unicast,
        addr: if unicast {
            env::configured_source(c)
        } else {
            Some(env::group_of(c, global))
        },
    }
}

/// What a reload does to one instance, for the reload's report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Removed(String),
    /// Same name, another identity: removed and added.
    Replaced(String),
    Changed(String),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added(n) => write!(f, "vrrp_instance {n} is new: started"),
            Change::Removed(n) => write!(f, "vrrp_instance {n} was removed: deleted"),
            Change::Replaced(n) => write!(
                f,
                "vrrp_instance {n}: VRID, interface, family, version or peers changed: deleted and started again"
            ),
            Change::Changed(n) => write!(f, "vrrp_instance {n}: changed, applied"),
        }
    }
}

/// For each new instance, the old one it continues (by index), if any:
/// the same name and identity first, then the same identity (keepalived
/// matches on identity alone, so a renamed instance keeps its state).
fn matching(old: &[Identity], old_names: &[&str], new: &[(Identity, &str)]) -> Vec<Option<usize>> {
    let mut taken = vec![false; old.len()];
    let mut out = vec![None; new.len()];
    for (j, (id, name)) in new.iter().enumerate() {
        if let Some(i) =
            (0..old.len()).find(|&i| !taken[i] && old[i] == *id && old_names[i] == *name)
        {
            taken[i] = true;
            out[j] = Some(i);
        }
    }
    for (j, (id, _)) in new.iter().enumerate() {
        if out[j].is_some() {
            continue;
        }
        if let Some(i) = (0..old.len()).find(|&i| !taken[i] && old[i] == *id) {
            taken[i] = true;
            out[j] = Some(i);
        }
    }
    out
}

/// What a reload from `old` to `new` does to the instances.
pub fn changes(old: &Config, new: &Config) -> Vec<Change> {
    let old_ids: Vec<_> = old
        .vrrp_instances
        .iter()
        .map(|c| identity(c, &old.global))
        .collect();
    let old_names: Vec<&str> = old.vrrp_instances.iter().map(|c| c.name.as_str()).collect();
    let new_ids: Vec<_> = new
        .vrrp_instances
        .iter()
        .map(|c| (identity(c, &new.global), c.name.as_str()))
        .collect();
    let m = matching(&old_ids, &old_names, &new_ids);
    let mut out = Vec::new();
    let kept: Vec<usize> = m.iter().flatten().copied().collect();
    for (j, c) in new.vrrp_instances.iter().enumerate() {
        match m[j] {
            Some(i) if old.vrrp_instances[i] != *c => out.push(Change::Changed(c.name.clone())),
            Some(_) => {}
            None if old_names.contains(&c.name.as_str())
                && !kept.contains(
                    &old_names
                        .iter()
                        .position(|n| *n == c.name)
                        .unwrap_or(usize::MAX),
                ) =>
            {
                out.push(Change::Replaced(c.name.clone()))
            }
            None => out.push(Change::Added(c.name.clone())),
        }
    }
    for (i, c) in old.vrrp_instances.iter().enumerate() {
        let replaced = out.iter().any(|ch| *ch == Change::Replaced(c.name.clone()));
        if !kept.contains(&i) && !replaced {
            out.push(Change::Removed(c.name.clone()));
        }
    }
    out
}

impl Node {
    /// Apply a reloaded configuration's VRRP part. `env` holds the host
    /// facts for the new configuration (sources of new instances, links,
    /// track_file values).
    pub fn reload(&mut self, now: Time, cfg: &Config, env: &Env) {
        if self.stopping.is_some() {
            return;
        }
        let old_ids: Vec<_> = self
            .slots
            .iter()
            .map(|s| identity(&s.cfg, &self.global))
            .collect();
        let old_names: Vec<String> = self.slots.iter().map(|s| s.cfg.name.clone()).collect();
        let old_refs: Vec<&str> = old_names.iter().map(String::as_str).collect();
        let new_ids: Vec<_> = cfg
            .vrrp_instances
            .iter()
            .map(|c| (identity(c, &cfg.global), c.name.as_str()))
            .collect();
        let m = matching(&old_ids, &old_refs, &new_ids);
        // Gone first: their priority-0 adverts and addresses go before
        // anything new starts.
        for i in 0..self.slots.len() {
            if !m.contains(&Some(i)) {
                self.delete(now, i);
            }
        }
        self.trackers.reload(cfg, env);
        self.global = cfg.global.clone();
        self.garp_groups = cfg.garp_groups.clone();
        self.debounce.configure(cfg);
        let mut old: Vec<Option<Slot>> = std::mem::take(&mut self.slots)
            .into_iter()
            .map(Some)
            .collect();
        let mut fresh = Vec::new();
        for (j, c) in cfg.vrrp_instances.iter().enumerate() {
            match m[j].and_then(|i| old[i].take()) {
                Some(s) => {
                    self.slots.push(s);
                    let k = self.slots.len() - 1;
                    if self.slots[k].cfg != *c {
                        self.reconfigure(now, k, c.clone(), env);
                    }
                }
                None => match Slot::new(c, &cfg.global, env) {
                    Ok(s) => {
                        tracing::info!("({}) added by the reload", c.name);
                        self.slots.push(s);
                        fresh.push(self.slots.len() - 1);
                    }
                    Err(e) => tracing::warn!("reload: {e}; not started"),
                },
            }
        }
        let names: Vec<&str> = cfg.vrrp_instances.iter().map(|c| c.name.as_str()).collect();
        self.prio_override
            .retain(|n, _| names.contains(&n.as_str()));
        self.set_groups(cfg);
        if self.started {
            self.start_slots(now, &fresh);
        }
        // Trackers may have changed for everyone.
        for i in 0..self.slots.len() {
            if !fresh.contains(&i) {
                self.recompute(now, i, true);
            }
        }
        if self.global.fifo_write_vrrp_states_on_reload {
            self.fifo_states(&fresh);
        }
    }

    /// `fifo_write_vrrp_states_on_reload`: the FIFO hears the state of
    /// every group and of every instance the reload kept (new ones report
    /// their own transitions), as keepalived's vrrp_init_state writes them:
    /// a MASTER that stays MASTER takes keepalived's reload-master path,
    /// which writes nothing.
    fn fifo_states(&mut self, fresh: &[usize]) {
        for g in &self.groups {
            if let Some(st) = g.state {
                let line =
                    super::output::fifo_line("GROUP", &g.name, super::output::state_word(st), 0);
                self.out.push_back(super::output::Output::Fifo(line));
            }
        }
        for (i, s) in self.slots.iter().enumerate() {
            if fresh.contains(&i) || s.fsm.state() == crate::fsm::State::Master {
                continue;
            }
            let word = super::output::state_word(s.fsm.state());
            let line = super::output::fifo_line("INSTANCE", &s.cfg.name, word, s.fsm.priority());
            self.out.push_back(super::output::Output::Fifo(line));
        }
    }

    /// Start instances as at start-up: initial priority and faults
    /// quietly (a group faults as one), then their machines.
    pub(super) fn start_slots(&mut self, now: Time, idx: &[usize]) {
        for &i in idx {
            self.recompute(now, i, false);
        }
        for g in 0..self.groups.len() {
            let members = self.groups[g].members.clone();
            if members.iter().any(|m| idx.contains(m))
                && members
                    .iter()
                    .any(|&m| !self.slots[m].fault_reasons.is_empty())
            {
                for m in members {
                    if idx.contains(&m) {
                        self.slots[m].fsm.handle(now, Input::Fault(true));
                    }
                }
            }
        }
        for &i in idx {
            self.drive(now, i, Input::Start);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Config {
        let l = kad_config::load_str(text, std::path::Path::new("t.conf"), &Default::default());
        assert!(!l.has_errors(), "{:?}", l.diagnostics);
        l.config
    }

    fn vi(name: &str, vrid: u8, extra: &str) -> String {
        format!(
            "vrrp_instance {name} {{\n interface lo\n virtual_router_id {vrid}\n priority 100\n {extra}\n virtual_ipaddress {{\n 10.0.0.{vrid}/24\n }}\n}}\n"
        )
    }

    #[test]
    fn what_a_reload_does_to_each_instance() {
        let a = cfg(&format!("{}{}", vi("A", 1, ""), vi("B", 2, "")));
        assert!(changes(&a, &a).is_empty());
        let b = cfg(&format!(
            "{}{}{}",
            vi("A", 1, "nopreempt"),
            vi("B", 3, ""),
            vi("C", 4, "")
        ));
        assert_eq!(
            changes(&a, &b),
            [
                Change::Changed("A".into()),
                Change::Replaced("B".into()),
                Change::Added("C".into())
            ]
        );
        let c = cfg(&vi("A", 1, "version 3"));
        assert_eq!(
            changes(&a, &c),
            [Change::Replaced("A".into()), Change::Removed("B".into())]
        );
        // Renamed with the same identity: the same instance, changed.
        let d = cfg(&format!("{}{}", vi("A", 1, ""), vi("B2", 2, "")));
        assert_eq!(changes(&a, &d), [Change::Changed("B2".into())]);
        // Peers make it unicast: another instance.
        let e = cfg(&format!(
            "{}{}",
            vi("A", 1, "unicast_peer {\n 10.0.0.9\n }"),
            vi("B", 2, "")
        ));
        assert_eq!(changes(&a, &e), [Change::Replaced("A".into())]);
    }
}
