//! Addresses added to and removed from interfaces, as the kernel reports
//! them: an instance whose advert source goes faults, and one waiting for
//! a source takes the one that comes (`kad_vrrp::node` decides).

use super::rcvbuf::Resizable;
use super::IoError;
use futures::StreamExt;
use kad_config::model::RcvBuf;
use netlink_packet_core::NetlinkPayload;
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::RouteNetlinkMessage;
use rtnetlink::MulticastGroup;
use std::net::IpAddr;
use tokio::sync::mpsc;

/// One change: the interface's index, the address, added (else removed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrEvent {
    pub index: u32,
    pub addr: IpAddr,
    pub added: bool,
}

/// Watch address changes; events go to `tx` until it is closed; the socket,
/// for a reload's buffer size.
pub fn watch(
    tx: mpsc::UnboundedSender<AddrEvent>,
    buf: &RcvBuf,
) -> Result<Option<Resizable>, IoError> {
    let groups = [MulticastGroup::Ipv4Ifaddr, MulticastGroup::Ipv6Ifaddr];
    let (mut conn, _handle, mut messages) =
        rtnetlink::new_multicast_connection(&groups).map_err(|e| IoError::Os {
            what: "opening the address monitor".into(),
            source: e,
        })?;
    let resizable = super::rcvbuf::set_rtnl(&mut conn, buf);
    tokio::spawn(conn);
    tokio::spawn(async move {
        while let Some((msg, _)) = messages.next().await {
            let ev = match msg.payload {
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewAddress(a)) => event(&a, true),
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelAddress(a)) => {
                    event(&a, false)
                }
                _ => None,
            };
            if let Some(ev) = ev {
                if tx.send(ev).is_err() {
                    return;
                }
            }
        }
    });
    Ok(resizable)
}

fn event(a: &AddressMessage, added: bool) -> Option<AddrEvent> {
    // IPv4 names the interface's own address as Local (Address is the
    // peer on point-to-point links); IPv6 has only Address.
    let local = a.attributes.iter().find_map(|x| match x {
        AddressAttribute::Local(ip) => Some(*ip),
        _ => None,
    });
    let addr = local.or_else(|| {
        a.attributes.iter().find_map(|x| match x {
            AddressAttribute::Address(ip) => Some(*ip),
            _ => None,
        })
    })?;
    Some(AddrEvent {
        index: a.header.index,
        addr,
        added,
    })
}
