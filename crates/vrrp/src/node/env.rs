//! The facts of the host a node starts (or reloads) with, looked up by the
//! shell: the node itself never asks the system anything.

use kad_config::model::{GlobalDefs, VrrpInstance};
use std::collections::HashMap;
use std::net::IpAddr;

#[derive(Clone, Debug, Default)]
pub struct Env {
    /// Each instance's source address for adverts, by instance name.
    pub sources: HashMap<String, IpAddr>,
    /// Whether each interface (primary or tracked) is running.
    pub links: HashMap<String, bool>,
    /// Each `track_file`'s value, by tracker name.
    pub files: HashMap<String, i64>,
    /// How many processes each `vrrp_track_process` counts now, by name.
    pub processes: HashMap<String, u32>,
}

/// The interface an instance runs on.
pub fn interface_of(c: &VrrpInstance, global: &GlobalDefs) -> String {
    c.interface
        .clone()
        .unwrap_or_else(|| global.default_interface.clone())
}

/// The source address the configuration names for an instance
/// (`unicast_src_ip`, else `mcast_src_ip`, in its family); without one the
/// shell picks the interface's primary address.
pub fn configured_source(c: &VrrpInstance) -> Option<IpAddr> {
    c.unicast_src_ip
        .or(c.mcast_src_ip)
        .filter(|a| a.is_ipv6() == c.ipv6)
}

/// The multicast group of an instance, in its family.
pub fn group_of(c: &VrrpInstance, global: &GlobalDefs) -> IpAddr {
    match (c.ipv6, c.mcast_dst_ip) {
        (false, Some(a @ IpAddr::V4(_))) | (true, Some(a @ IpAddr::V6(_))) => a,
        (false, _) => global.vrrp_mcast_group4,
        (true, _) => global.vrrp_mcast_group6,
    }
}
