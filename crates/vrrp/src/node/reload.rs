//! VRRP on a reload (SIGHUP), as keepalived keeps it: an instance that is
//! still configured keeps its state (a MASTER stays MASTER without a
//! transition). What a running instance takes from a reload: its virtual
//! addresses (added or removed at once while it holds them, new ones
//! announced with GARPs / NAs), priority, advert interval, preemption,
//! GARP timers and notify settings. Anything else (a new or removed
//! instance, another VRID, interface, family, peers, authentication or
//! trackers, sync groups, virtual routes) needs a restart and is logged.

use super::env::Env;
use super::output::{state_word, Output};
use super::{slot, Node};
use crate::params;
use crate::time::Time;
use kad_config::model::{Config, VrrpInstance};
use std::collections::HashSet;

/// The instance with every field a reload may change taken from `old`:
/// equal to `old` exactly when nothing else changed.
fn fixed_part(old: &VrrpInstance, new: &VrrpInstance) -> VrrpInstance {
    let mut n = new.clone();
    n.state = old.state;
    n.virtual_ipaddress = old.virtual_ipaddress.clone();
    n.virtual_ipaddress_excluded = old.virtual_ipaddress_excluded.clone();
    n.priority = old.priority;
    n.advert_int = old.advert_int;
    n.nopreempt = old.nopreempt;
    n.preempt_delay = old.preempt_delay;
    n.garp = old.garp.clone();
    n.down_timer_adverts = old.down_timer_adverts;
    n.lower_prio_no_advert = old.lower_prio_no_advert;
    n.higher_prio_send_advert = old.higher_prio_send_advert;
    n.notify = old.notify.clone();
    n.smtp_alert = old.smtp_alert;
    n
}

/// Why `new` cannot replace `old` in place, if it cannot.
pub fn needs_restart(old: &VrrpInstance, new: &VrrpInstance) -> Option<&'static str> {
    // The address owner (255) never moves; becoming or ceasing to be it
    // changes the rules the machine runs by.
    if (old.priority.0 == 255) != (new.priority.0 == 255) {
        return Some("priority 255 (address owner) added or removed");
    }
    (fixed_part(old, new) != *old)
        .then_some("a setting other than addresses, priority, timers or notify changed")
}

impl Node {
    /// Apply a reloaded configuration's VRRP part.
    pub fn reload(&mut self, now: Time, cfg: &Config, _env: &Env) {
        if self.stopping.is_some() {
            return;
        }
        let mut restart: Vec<String> = Vec::new();
        let names: HashSet<&str> = self.slots.iter().map(|s| s.cfg.name.as_str()).collect();
        for n in &cfg.vrrp_instances {
            if !names.contains(n.name.as_str()) {
                restart.push(format!("{} is new", n.name));
            }
        }
        if cfg.sync_groups.len() != self.groups.len()
            || cfg
                .sync_groups
                .iter()
                .zip(&self.groups)
                .any(|(n, g)| n.name != g.name)
        {
            restart.push("sync groups changed".into());
        }
        for i in 0..self.slots.len() {
            let name = self.slots[i].cfg.name.clone();
            let Some(new) = cfg.vrrp_instances.iter().find(|n| n.name == name) else {
                restart.push(format!("{name} was removed"));
                continue;
            };
            if *new == self.slots[i].cfg {
                continue;
            }
            if let Some(why) = needs_restart(&self.slots[i].cfg, new) {
                restart.push(format!("{name}: {why}"));
                continue;
            }
            self.reconfigure(now, i, new.clone());
        }
        if !restart.is_empty() {
            tracing::warn!(
                "reload: VRRP changes that need a restart, not applied: {}",
                restart.join("; ")
            );
        }
    }

    /// Apply `new` to a running instance in place.
    fn reconfigure(&mut self, now: Time, i: usize, new: VrrpInstance) {
        let old_vips = self.slots[i].all_vips();
        let s = &mut self.slots[i];
        s.advertised = slot::advertised(&new);
        s.policy = params::rx_policy(&new);
        let p = params::params(&new, s.src, true);
        s.cfg = new;
        tracing::info!(
            "({}) reloaded in {} state",
            s.cfg.name,
            state_word(s.fsm.state())
        );
        if s.fsm.holds_vips() {
            let new_vips = s.all_vips();
            let gone: Vec<_> = old_vips
                .iter()
                .filter(|a| !new_vips.contains(a))
                .cloned()
                .collect();
            let added: Vec<_> = new_vips
                .iter()
                .filter(|a| !old_vips.contains(a))
                .cloned()
                .collect();
            let (name, iface) = (s.cfg.name.clone(), s.ifname.clone());
            if !gone.is_empty() {
                self.out.push_back(Output::DelAddrs {
                    instance: name.clone(),
                    interface: iface.clone(),
                    addrs: gone,
                });
            }
            if !added.is_empty() {
                self.out.push_back(Output::AddAddrs {
                    instance: name,
                    interface: iface,
                    addrs: added.clone(),
                });
                self.announce(i, &added, 1);
            }
        }
        let actions = self.slots[i].fsm.reconfigure(now, p);
        for a in actions {
            self.execute(i, a);
        }
        // The new base priority through the trackers.
        self.recompute(now, i, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(text: &str) -> VrrpInstance {
        let l = kad_config::load_str(text, std::path::Path::new("t.conf"), &Default::default());
        assert!(!l.has_errors(), "{:?}", l.diagnostics);
        l.config.vrrp_instances[0].clone()
    }

    fn conf(prio: u32, vips: &str, extra: &str) -> String {
        format!(
            "vrrp_instance VI {{\n interface lo\n virtual_router_id 7\n priority {prio}\n advert_int 1\n {extra}\n virtual_ipaddress {{\n {vips}\n }}\n}}\n"
        )
    }

    #[test]
    fn what_a_reload_may_change_in_place() {
        let old = inst(&conf(100, "10.0.0.1/24", ""));
        for (new, ok) in [
            (conf(150, "10.0.0.1/24\n 10.0.0.2/24", "nopreempt"), true),
            (
                conf(100, "10.0.0.3/24", "advert_int 2\n preempt_delay 5"),
                true,
            ),
            (conf(255, "10.0.0.1/24", ""), false),
            (
                conf(100, "10.0.0.1/24", "unicast_peer {\n 10.0.0.9\n }"),
                false,
            ),
            (
                conf(
                    100,
                    "10.0.0.1/24",
                    "authentication {\n auth_type PASS\n auth_pass x\n }",
                ),
                false,
            ),
        ] {
            let n = inst(&new);
            assert_eq!(needs_restart(&old, &n).is_none(), ok, "{new}");
        }
        let other_vrid = inst(
            &conf(100, "10.0.0.1/24", "").replace("virtual_router_id 7", "virtual_router_id 8"),
        );
        assert!(needs_restart(&old, &other_vrid).is_some());
    }
}
