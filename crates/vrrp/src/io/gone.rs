//! Deletions of addresses, routes and rules reported by the kernel, for
//! the static entries that keepalived puts back
//! ([`crate::statics::Statics::reinstate`] decides).

use super::rcvbuf::Resizable;
use super::IoError;
use crate::statics::Gone;
use futures::StreamExt;
use kad_config::model::Prefix;
use kad_config::model::RcvBuf;
use netlink_packet_core::NetlinkPayload;
use netlink_packet_route::address::AddressAttribute;
use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteProtocol};
use netlink_packet_route::rule::{RuleAttribute, RuleMessage};
use netlink_packet_route::RouteNetlinkMessage;
use rtnetlink::MulticastGroup;
use std::net::IpAddr;
use tokio::sync::mpsc;

/// Watch address, route and rule deletions; events go to `tx` until it is
/// closed; the socket, for a reload's buffer size.
pub fn watch(tx: mpsc::UnboundedSender<Gone>, buf: &RcvBuf) -> Result<Option<Resizable>, IoError> {
    let groups = [
        MulticastGroup::Ipv4Ifaddr,
        MulticastGroup::Ipv6Ifaddr,
        MulticastGroup::Ipv4Route,
        MulticastGroup::Ipv6Route,
        MulticastGroup::Ipv4Rule,
        MulticastGroup::Ipv6Rule,
    ];
    let (mut conn, _handle, mut messages) =
        rtnetlink::new_multicast_connection(&groups).map_err(|e| IoError::Os {
            what: "opening the address/route/rule monitor".into(),
            source: e,
        })?;
    let resizable = super::rcvbuf::set_rtnl(&mut conn, buf);
    tokio::spawn(conn);
    tokio::spawn(async move {
        while let Some((msg, _)) = messages.next().await {
            let gone = match msg.payload {
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelAddress(a)) => {
                    let addr = a.attributes.iter().find_map(|x| match x {
                        AddressAttribute::Local(ip) => Some(*ip),
                        _ => None,
                    });
                    let addr = addr.or_else(|| {
                        a.attributes.iter().find_map(|x| match x {
                            AddressAttribute::Address(ip) => Some(*ip),
                            _ => None,
                        })
                    });
                    addr.map(|addr| {
                        Gone::Addr(Prefix {
                            addr,
                            len: a.header.prefix_len,
                        })
                    })
                }
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelRoute(r)) => route(&r),
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelRule(r)) => rule(&r),
                _ => None,
            };
            if let Some(g) = gone {
                if tx.send(g).is_err() {
                    return;
                }
            }
        }
    });
    Ok(resizable)
}

/// A deleted route of keepalived's protocol.
fn route(r: &RouteMessage) -> Option<Gone> {
    if r.header.protocol != RouteProtocol::KeepAlived {
        return None;
    }
    let mut table = u32::from(r.header.table);
    let mut dst = None;
    for a in &r.attributes {
        match a {
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Destination(RouteAddress::Inet(d)) => dst = Some(IpAddr::V4(*d)),
            RouteAttribute::Destination(RouteAddress::Inet6(d)) => dst = Some(IpAddr::V6(*d)),
            _ => {}
        }
    }
    Some(Gone::Route {
        dst: Prefix {
            addr: dst?,
            len: r.header.destination_prefix_length,
        },
        table,
    })
}

/// A deleted rule of keepalived's protocol.
fn rule(r: &RuleMessage) -> Option<Gone> {
    let ours = r
        .attributes
        .iter()
        .any(|a| matches!(a, RuleAttribute::Protocol(RouteProtocol::KeepAlived)));
    if !ours {
        return None;
    }
    let (mut priority, mut from, mut to) = (None, None, None);
    for a in &r.attributes {
        match a {
            RuleAttribute::Priority(p) => priority = Some(*p),
            RuleAttribute::Source(s) => {
                from = Some(Prefix {
                    addr: *s,
                    len: r.header.src_len,
                })
            }
            RuleAttribute::Destination(d) => {
                to = Some(Prefix {
                    addr: *d,
                    len: r.header.dst_len,
                })
            }
            _ => {}
        }
    }
    Some(Gone::Rule { priority, from, to })
}
