//! The advert source address as keepalived tracks it
//! (netlink_if_address_filter): when the address an instance sends from
//! is removed from its interface, the instance goes to FAULT — always for
//! an address the shell picked, and with `track_src_ip` for a configured
//! one (`mcast_src_ip` / `unicast_src_ip`); when an address comes back (the
//! configured one, or for a picked source any address of the family that
//! is no instance's VIP) it is the source again and the fault ends.

use super::env;
use super::Node;
use crate::time::Time;
use std::net::IpAddr;

impl Node {
    /// `addr` was added to (`added`) or removed from interface `iface`.
    pub fn handle_address(&mut self, now: Time, iface: &str, addr: IpAddr, added: bool) {
        let vips: Vec<IpAddr> = self
            .slots
            .iter()
            .flat_map(|s| s.all_vips())
            .map(|a| a.addr.addr)
            .collect();
        for i in 0..self.slots.len() {
            let s = &mut self.slots[i];
            if s.ifname != iface || s.cfg.ipv6 != addr.is_ipv6() {
                continue;
            }
            let configured = env::configured_source(&s.cfg);
            if configured.is_some() && !s.cfg.track_src_ip {
                continue;
            }
            let changed = if !added {
                let gone = !s.src_gone && s.src == addr;
                if gone {
                    tracing::info!(
                        "({}) source address {addr} removed from {iface}: entering FAULT",
                        s.cfg.name
                    );
                    s.src_gone = true;
                }
                gone
            } else {
                let usable = match configured {
                    Some(c) => c == addr,
                    // An IPv6 source is the interface's link-local address.
                    None if addr.is_ipv6() => is_link_local(addr),
                    None => !vips.contains(&addr),
                };
                let back = s.src_gone && usable;
                if back {
                    tracing::info!("({}) source address {addr} on {iface}", s.cfg.name);
                    s.src = addr;
                    s.fsm.set_local_addr(addr);
                    s.src_gone = false;
                }
                back
            };
            if changed {
                self.recompute(now, i, true);
            }
        }
    }
}

fn is_link_local(a: IpAddr) -> bool {
    match a {
        IpAddr::V6(v) => v.segments()[0] & 0xffc0 == 0xfe80,
        IpAddr::V4(_) => false,
    }
}
