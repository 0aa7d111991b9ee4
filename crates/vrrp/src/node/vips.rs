//! A MASTER's addresses, routes and rules, and the GARPs / NAs that announce them:
//! only those on the instance's own interface are announced there.

use super::output::Output;
use super::Node;
use kad_config::model::IpAddress;

impl Node {
    pub(super) fn add_vips(&mut self, i: usize) {
        let s = &self.slots[i];
        // keepalived sets the drop rules before the addresses.
        if crate::firewall::blocks_vips(&s.cfg) {
            self.out.push_back(Output::Firewall {
                instance: s.cfg.name.clone(),
                interface: s.ifname.clone(),
                addrs: crate::firewall::blocked(
                    &s.cfg,
                    true,
                    &s.vip_if,
                    self.global.firewall.ifindex,
                ),
            });
        }
        self.out.push_back(Output::AddAddrs {
            instance: s.cfg.name.clone(),
            interface: s.vip_if.clone(),
            addrs: s.all_vips(),
        });
        if !s.cfg.virtual_routes.is_empty() {
            self.out.push_back(Output::Routes {
                instance: s.cfg.name.clone(),
                add: true,
                routes: s.cfg.virtual_routes.clone(),
            });
        }
        if !s.cfg.virtual_rules.is_empty() {
            self.out.push_back(Output::Rules {
                instance: s.cfg.name.clone(),
                add: true,
                rules: s.cfg.virtual_rules.clone(),
            });
        }
    }

    pub(super) fn remove_vips(&mut self, i: usize) {
        if self.keeps_vips() {
            return;
        }
        self.remove_vips_now(i);
    }

    /// Rules first, then routes, then the addresses they may depend on
    /// (keepalived's order in `vrrp_restore_interface`).
    pub(super) fn remove_vips_now(&mut self, i: usize) {
        let s = &self.slots[i];
        if !s.cfg.virtual_rules.is_empty() {
            self.out.push_back(Output::Rules {
                instance: s.cfg.name.clone(),
                add: false,
                rules: s.cfg.virtual_rules.clone(),
            });
        }
        if !s.cfg.virtual_routes.is_empty() {
            self.out.push_back(Output::Routes {
                instance: s.cfg.name.clone(),
                add: false,
                routes: s.cfg.virtual_routes.clone(),
            });
        }
        self.out.push_back(Output::DelAddrs {
            instance: s.cfg.name.clone(),
            interface: s.vip_if.clone(),
            addrs: s.all_vips(),
        });
        if crate::firewall::blocks_vips(&s.cfg) {
            self.out.push_back(Output::Firewall {
                instance: s.cfg.name.clone(),
                interface: s.ifname.clone(),
                addrs: crate::firewall::blocked(
                    &s.cfg,
                    false,
                    &s.vip_if,
                    self.global.firewall.ifindex,
                ),
            });
        }
    }

    /// `repeat` rounds of one GARP / NA for each address on the instance's
    /// own interface.
    pub(super) fn announce(&mut self, i: usize, addrs: &[IpAddress], repeat: u32) {
        let s = &self.slots[i];
        let own: Vec<_> = addrs
            .iter()
            .filter(|a| a.dev.as_ref().is_none_or(|d| *d == s.vip_if))
            .map(|a| a.addr.addr)
            .collect();
        if own.is_empty() || repeat == 0 {
            return;
        }
        let (arp_gap, na_gap) = self.garp_gaps(&s.ifname);
        let (instance, interface) = (s.cfg.name.clone(), s.vip_if.clone());
        self.out.push_back(Output::Garp {
            instance,
            interface,
            addrs: own,
            repeat,
            arp_gap,
            na_gap,
        });
    }
}
