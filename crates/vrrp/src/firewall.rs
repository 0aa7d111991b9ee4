//! Which VIPs the firewall must block: keepalived (vrrp.c,
//! `vrrp_handle_accept_mode`) drops traffic to and from the VIPs of an
//! instance that is MASTER without `accept` mode and is not the address
//! owner (priority 255). The rules go in with the VIPs on becoming MASTER
//! and come out with them on leaving it; a BACKUP holds no VIPs, so it
//! has nothing to block.

use kad_config::model::{IpAddress, VrrpInstance};
use std::net::IpAddr;

/// The owner always accepts; otherwise `accept` (which `vrrp_strict` /
/// `strict_mode` turn off by default) decides.
pub fn blocks_vips(cfg: &VrrpInstance) -> bool {
    !cfg.accept && cfg.priority.0 != 255
}

/// A VIP to block and, for an IPv6 link-local one, how its interface is
/// matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub addr: IpAddress,
    /// Matched with the interface's name (`ifname`), not its index.
    pub by_name: bool,
}

/// The addresses to block for an instance whose VIPs are (`holding`) or
/// are not on the box: all its VIPs and excluded VIPs while it holds them
/// and does not accept, else none. `vip_if` is the interface its VIPs go
/// on; `ifindex` is `nftables_ifindex`.
pub fn blocked(cfg: &VrrpInstance, holding: bool, vip_if: &str, ifindex: bool) -> Vec<Blocked> {
    if !holding || !blocks_vips(cfg) {
        return Vec::new();
    }
    cfg.virtual_ipaddress
        .iter()
        .chain(&cfg.virtual_ipaddress_excluded)
        .map(|a| Blocked {
            by_name: by_name(cfg, a, vip_if, ifindex),
            addr: a.clone(),
        })
        .collect()
}

/// keepalived (vrrp_nftables.c, nft_update_ipv6_address) matches a
/// link-local VIP with its interface's index, except for an instance with
/// `dont_track_primary` — whose interface may go away and come back under
/// another index — where a VIP on the instance's own interface, or one
/// marked `no_track`, is matched by name; `nftables_ifindex` keeps the
/// index for those too.
fn by_name(cfg: &VrrpInstance, a: &IpAddress, vip_if: &str, ifindex: bool) -> bool {
    let link_local = matches!(a.addr.addr, IpAddr::V6(v) if (v.segments()[0] & 0xffc0) == 0xfe80);
    let own_if = a.dev.as_deref().is_none_or(|d| d == vip_if);
    link_local && !ifindex && cfg.dont_track_primary && (own_if || a.no_track)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kad_config::model::Priority;

    fn load(src: &str) -> VrrpInstance {
        let l = kad_config::load_str(src, std::path::Path::new("t.conf"), &Default::default());
        l.config.vrrp_instances[0].clone()
    }

    fn inst(accept: bool, prio: u8) -> VrrpInstance {
        let src = "vrrp_instance V {\n interface lo\n virtual_router_id 1\n\
                   virtual_ipaddress {\n10.0.0.9/24\n}\n\
                   virtual_ipaddress_excluded {\n10.0.1.9/24\n}\n}\n";
        let mut i = load(src);
        i.accept = accept;
        i.priority = Priority(prio);
        i
    }

    #[test]
    fn a_non_accepting_master_blocks_all_its_vips() {
        let i = inst(false, 100);
        assert_eq!(blocked(&i, true, "lo", false).len(), 2);
        assert!(blocked(&i, false, "lo", false).is_empty());
    }

    #[test]
    fn accept_and_the_owner_block_nothing() {
        assert!(blocked(&inst(true, 100), true, "lo", false).is_empty());
        assert!(blocked(&inst(false, 255), true, "lo", false).is_empty());
    }

    #[test]
    fn vrrp_strict_turns_accept_off_so_the_master_blocks() {
        let src = "global_defs {\nvrrp_strict\n}\nvrrp_instance V {\n interface lo\n\
                   virtual_router_id 1\npriority 100\nvirtual_ipaddress {\n10.0.0.9/24\n}\n}\n";
        let i = &load(src);
        assert!(i.strict_mode && !i.accept);
        assert_eq!(blocked(i, true, "lo", false).len(), 1);
    }

    #[test]
    fn dont_track_primary_link_local_vips_go_by_name_unless_nftables_ifindex() {
        let src = |dtp: &str| {
            format!(
                "global_defs {{\nvrrp_strict\n}}\nvrrp_instance V {{\n interface eth0\n{dtp}\n\
                 virtual_router_id 1\npriority 100\nvirtual_ipaddress {{\nfe80::9/64\n\
                 fe80::a/64 dev eth1\nfe80::b/64 dev eth1 no_track\nfd00::9/64\n}}\n}}\n"
            )
        };
        let names = |i: &VrrpInstance, ifindex: bool| -> Vec<bool> {
            blocked(i, true, "eth0", ifindex)
                .iter()
                .map(|b| b.by_name)
                .collect()
        };
        let tracked = load(&src(""));
        assert_eq!(names(&tracked, false), [false, false, false, false]);
        let untracked = load(&src("dont_track_primary"));
        assert_eq!(names(&untracked, false), [true, false, true, false]);
        assert_eq!(names(&untracked, true), [false, false, false, false]);
    }
}
