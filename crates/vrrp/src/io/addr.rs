//! Adding and removing virtual addresses with rtnetlink, as `ip addr`
//! would: prefix, broadcast, scope and label from the configuration.

use super::{nl, IoError};
use kad_config::model::IpAddress;
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressScope};
use std::net::IpAddr;

fn scope(s: Option<&str>) -> AddressScope {
    match s {
        Some("host") => AddressScope::Host,
        Some("link") => AddressScope::Link,
        Some("site") => AddressScope::Site,
        Some("nowhere") => AddressScope::Nowhere,
        Some(n) => n
            .parse::<u8>()
            .map_or(AddressScope::Universe, AddressScope::Other),
        None => AddressScope::Universe,
    }
}

/// Add `a` on interface `index`. An address already there is fine.
pub async fn add(handle: &rtnetlink::Handle, index: u32, a: &IpAddress) -> Result<(), IoError> {
    let mut req = handle.address().add(index, a.addr.addr, a.addr.len);
    let msg = req.message_mut();
    msg.header.scope = scope(a.scope.as_deref());
    // rtnetlink fills in a broadcast address; keepalived sets one only when
    // `brd` is configured (`ip addr` then shows none, as under keepalived).
    msg.attributes
        .retain(|x| !matches!(x, AddressAttribute::Broadcast(_)));
    if let Some(b) = a.broadcast {
        msg.attributes.push(AddressAttribute::Broadcast(b));
    }
    if let Some(l) = &a.label {
        msg.attributes.push(AddressAttribute::Label(l.clone()));
    }
    if a.addr.addr.is_ipv6() && a.nodad {
        msg.attributes
            .push(AddressAttribute::Flags(AddressFlags::Nodad));
    }
    match req.execute().await {
        Ok(()) => Ok(()),
        Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::EEXIST => Ok(()),
        Err(e) => Err(nl(format!("adding {}", a.addr))(e)),
    }
}

/// Remove `addr/len` from interface `index`. An address already gone is fine.
pub async fn del(
    handle: &rtnetlink::Handle,
    index: u32,
    addr: IpAddr,
    len: u8,
) -> Result<(), IoError> {
    let msg = match addr {
        IpAddr::V4(a) => rtnetlink::AddressMessageBuilder::<std::net::Ipv4Addr>::new()
            .index(index)
            .address(a, len)
            .build(),
        IpAddr::V6(a) => rtnetlink::AddressMessageBuilder::<std::net::Ipv6Addr>::new()
            .index(index)
            .address(a, len)
            .build(),
    };
    match handle.address().del(msg).execute().await {
        Ok(()) => Ok(()),
        Err(rtnetlink::Error::NetlinkError(e))
            if e.raw_code() == -libc::EADDRNOTAVAIL
                || e.raw_code() == -libc::ENOENT
                || e.raw_code() == -libc::ENODEV =>
        {
            Ok(())
        }
        Err(e) => Err(nl(format!("removing {addr}/{len}"))(e)),
    }
}
