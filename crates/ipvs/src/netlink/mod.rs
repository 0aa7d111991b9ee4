//! The IPVS generic-netlink family on netlink-packet-generic / -core.

pub mod attr;
pub mod client;
pub mod msg;
