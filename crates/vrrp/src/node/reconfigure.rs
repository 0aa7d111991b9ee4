//! A running instance takes a reloaded configuration in place: addresses
//! (added or removed at once while it holds them, new ones announced),
//! virtual routes and rules (the difference), priority, timers, preemption,
//! authentication, unicast peers, trackers and notify settings. Its state
//! stays (a MASTER stays MASTER without a transition); a MASTER
//! advertises at once with the new values, a BACKUP re-arms its
//! Master_Down timer.

use super::env::Env;
use super::output::{state_word, Output};
use super::{env, slot, Node};
use crate::params;
use crate::time::Time;
use kad_config::model::VrrpInstance;

impl Node {
    pub(super) fn reconfigure(&mut self, now: Time, i: usize, new: VrrpInstance, envir: &Env) {
        let old_vips = self.slots[i].all_vips();
        let old_routes = self.slots[i].cfg.virtual_routes.clone();
        let old_rules = self.slots[i].cfg.virtual_rules.clone();
        let blocked_before = crate::firewall::blocks_vips(&self.slots[i].cfg);
        let global = self.global.clone();
        let s = &mut self.slots[i];
        // The configured source, else the one looked up, else ours.
        let src = env::configured_source(&new)
            .or_else(|| envir.sources.get(&new.name).copied())
            .unwrap_or(s.src);
        let mut e = envir.clone();
        e.sources.insert(new.name.clone(), src);
        let Ok(fresh) = slot::Slot::new(&new, &global, &e) else {
            return;
        };
        // A source found by the reload ends a wait for one (an instance
        // that started without, under `dynamic_interfaces`).
        let waited = s.src.is_unspecified();
        s.src = fresh.src;
        if waited && !fresh.src_gone {
            s.src_gone = false;
            s.fsm.set_local_addr(fresh.src);
        }
        s.dst = fresh.dst;
        s.advertised = fresh.advertised;
        s.policy = fresh.policy;
        s.auth = fresh.auth;
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
            let gone_routes: Vec<_> = old_routes
                .iter()
                .filter(|r| !s.cfg.virtual_routes.contains(r))
                .cloned()
                .collect();
            let new_routes: Vec<_> = s
                .cfg
                .virtual_routes
                .iter()
                .filter(|r| !old_routes.contains(r))
                .cloned()
                .collect();
            let gone_rules = missing(&old_rules, &s.cfg.virtual_rules);
            let new_rules = missing(&s.cfg.virtual_rules, &old_rules);
            let (name, iface) = (s.cfg.name.clone(), s.vip_if.clone());
            if !gone_rules.is_empty() {
                self.out.push_back(Output::Rules {
                    instance: name.clone(),
                    add: false,
                    rules: gone_rules,
                });
            }
            if !gone_routes.is_empty() {
                self.out.push_back(Output::Routes {
                    instance: name.clone(),
                    add: false,
                    routes: gone_routes,
                });
            }
            if !gone.is_empty() {
                self.out.push_back(Output::DelAddrs {
                    instance: name.clone(),
                    interface: iface.clone(),
                    addrs: gone,
                });
            }
            // The drop rules follow the new VIPs and the new accept mode
            // (keepalived's clear_diff_vrrp_vip), before new VIPs go in.
            if blocked_before || crate::firewall::blocks_vips(&s.cfg) {
                self.out.push_back(Output::Firewall {
                    instance: name.clone(),
                    interface: iface.clone(),
                    addrs: crate::firewall::blocked(
                        &s.cfg,
                        true,
                        &s.vip_if,
                        self.global.firewall.ifindex,
                    ),
                });
            }
            if !added.is_empty() {
                self.out.push_back(Output::AddAddrs {
                    instance: name.clone(),
                    interface: iface,
                    addrs: added.clone(),
                });
                self.announce(i, &added, 1);
            }
            if !new_routes.is_empty() {
                self.out.push_back(Output::Routes {
                    instance: name.clone(),
                    add: true,
                    routes: new_routes,
                });
            }
            if !new_rules.is_empty() {
                self.out.push_back(Output::Rules {
                    instance: name,
                    add: true,
                    rules: new_rules,
                });
            }
        }
        let actions = self.slots[i].fsm.reconfigure(now, p);
        for a in actions {
            self.execute(i, a);
        }
    }
}

/// The entries of `a` that `b` lacks.
fn missing<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}
