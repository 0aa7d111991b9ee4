//! What kad needs to know of an interface: index, MAC, addresses, link.

use super::{nl, IoError};
use futures::TryStreamExt;
use netlink_packet_route::address::AddressAttribute;
use netlink_packet_route::link::{LinkAttribute, LinkFlags};
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub index: u32,
    pub mac: [u8; 6],
    /// Administratively up and with carrier.
    pub running: bool,
    /// Addresses in the order the kernel lists them (the first IPv4 one
    /// is the primary, which VRRP uses as its source).
    pub addrs: Vec<IpAddr>,
}

impl Interface {
    /// keepalived's source address: the first IPv4 address that is not one
    /// of our VIPs (IPv6: the link-local address).
    pub fn source_addr(&self, ipv6: bool, vips: &[IpAddr]) -> Option<IpAddr> {
        self.addrs.iter().copied().find(|a| match a {
            IpAddr::V4(_) if !ipv6 => !vips.contains(a),
            IpAddr::V6(v6) if ipv6 => v6.segments()[0] & 0xffc0 == 0xfe80,
            _ => false,
        })
    }
}

pub async fn lookup(handle: &rtnetlink::Handle, name: &str) -> Result<Interface, IoError> {
    let mut links = handle.link().get().match_name(name.to_string()).execute();
    let link = match links.try_next().await {
        Ok(Some(l)) => l,
        Ok(None) => return Err(IoError::NoInterface(name.into())),
        Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::ENODEV => {
            return Err(IoError::NoInterface(name.into()))
        }
        Err(e) => return Err(nl(format!("reading link {name}"))(e)),
    };
    let mut mac = [0u8; 6];
    for a in &link.attributes {
        if let LinkAttribute::Address(b) = a {
            if b.len() == 6 {
                mac.copy_from_slice(b);
            }
        }
    }
    let flags = link.header.flags;
    let running = flags.contains(LinkFlags::Up) && flags.contains(LinkFlags::LowerUp);
    let index = link.header.index;
    let mut addrs = Vec::new();
    let mut stream = handle
        .address()
        .get()
        .set_link_index_filter(index)
        .execute();
    while let Some(msg) = stream
        .try_next()
        .await
        .map_err(nl(format!("reading addresses of {name}")))?
    {
        for a in &msg.attributes {
            if let AddressAttribute::Local(ip) = a {
                addrs.push(*ip);
            } else if let AddressAttribute::Address(ip @ IpAddr::V6(_)) = a {
                addrs.push(*ip);
            }
        }
    }
    addrs.dedup();
    Ok(Interface {
        name: name.to_string(),
        index,
        mac,
        running,
        addrs,
    })
}

/// Every address on every interface of this node (as getifaddrs lists
/// them: the local address of IPv4 ones).
pub async fn node_addrs(
    handle: &rtnetlink::Handle,
) -> Result<std::collections::BTreeSet<IpAddr>, IoError> {
    let mut out = std::collections::BTreeSet::new();
    let mut stream = handle.address().get().execute();
    while let Some(msg) = stream
        .try_next()
        .await
        .map_err(nl("reading the node's addresses"))?
    {
        for a in &msg.attributes {
            match a {
                AddressAttribute::Local(ip) | AddressAttribute::Address(ip @ IpAddr::V6(_)) => {
                    out.insert(*ip);
                }
                _ => {}
            }
        }
    }
    Ok(out)
}
