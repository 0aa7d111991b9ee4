//! Which VIPs the firewall must block: keepalived (vrrp.c,
//! `vrrp_handle_accept_mode`) drops traffic to and from the VIPs of an
//! instance that is MASTER without `accept` mode and is not the address
//! owner (priority 255). The rules go in with the VIPs on becoming MASTER
//! and come out with them on leaving it; a BACKUP holds no VIPs, so it
//! has nothing to block.

use kad_config::model::{IpAddress, VrrpInstance};

/// The owner always accepts; otherwise `accept` (which `vrrp_strict` /
/// `strict_mode` turn off by default) decides.
pub fn blocks_vips(cfg: &VrrpInstance) -> bool {
    !cfg.accept && cfg.priority.0 != 255
}

/// The addresses to block for an instance whose VIPs are (`holding`) or
/// are not on the box: all its VIPs and excluded VIPs while it holds them
/// and does not accept, else none.
pub fn blocked(cfg: &VrrpInstance, holding: bool) -> Vec<IpAddress> {
    if !holding || !blocks_vips(cfg) {
        return Vec::new();
    }
    cfg.virtual_ipaddress
        .iter()
        .chain(&cfg.virtual_ipaddress_excluded)
        .cloned()
        .collect()
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
        assert_eq!(blocked(&i, true).len(), 2);
        assert!(blocked(&i, false).is_empty());
    }

    #[test]
    fn accept_and_the_owner_block_nothing() {
        assert!(blocked(&inst(true, 100), true).is_empty());
        assert!(blocked(&inst(false, 255), true).is_empty());
    }

    #[test]
    fn vrrp_strict_turns_accept_off_so_the_master_blocks() {
        let src = "global_defs {\nvrrp_strict\n}\nvrrp_instance V {\n interface lo\n\
                   virtual_router_id 1\npriority 100\nvirtual_ipaddress {\n10.0.0.9/24\n}\n}\n";
        let i = &load(src);
        assert!(i.strict_mode && !i.accept);
        assert_eq!(blocked(i, true).len(), 1);
    }
}
