//! Link events (admin state and carrier) from rtnetlink, for
//! `track_interface` and the instance's own interface, and links created
//! and deleted (`dynamic_interfaces`).

use super::rcvbuf::Resizable;
use super::IoError;
use futures::StreamExt;
use kad_config::model::RcvBuf;
use netlink_packet_route::link::{LinkAttribute, LinkFlags};
use netlink_packet_route::RouteNetlinkMessage;
use tokio::sync::mpsc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkEvent {
    pub name: String,
    pub index: u32,
    /// Up and with carrier; false also when the link was deleted.
    pub running: bool,
    /// The link was deleted (`dynamic_interfaces`: it may come back under
    /// another index).
    pub deleted: bool,
}

/// Watch every link change; events go to `tx` until it is closed; the socket,
/// for a reload's buffer size.
pub fn watch(
    tx: mpsc::UnboundedSender<LinkEvent>,
    buf: &RcvBuf,
) -> Result<Option<Resizable>, IoError> {
    let (mut conn, _handle, mut messages) =
        rtnetlink::new_multicast_connection(&[rtnetlink::MulticastGroup::Link]).map_err(|e| {
            IoError::Os {
                what: "opening the link monitor".into(),
                source: e,
            }
        })?;
    let resizable = super::rcvbuf::set_rtnl(&mut conn, buf);
    tokio::spawn(conn);
    tokio::spawn(async move {
        while let Some((msg, _)) = messages.next().await {
            let (link, deleted) = match msg.payload {
                netlink_packet_core::NetlinkPayload::InnerMessage(
                    RouteNetlinkMessage::NewLink(l),
                ) => (l, false),
                netlink_packet_core::NetlinkPayload::InnerMessage(
                    RouteNetlinkMessage::DelLink(l),
                ) => (l, true),
                _ => continue,
            };
            let name = link.attributes.iter().find_map(|a| match a {
                LinkAttribute::IfName(n) => Some(n.clone()),
                _ => None,
            });
            let Some(name) = name else { continue };
            let f = link.header.flags;
            let running = !deleted && f.contains(LinkFlags::Up) && f.contains(LinkFlags::LowerUp);
            if tx
                .send(LinkEvent {
                    name,
                    index: link.header.index,
                    running,
                    deleted,
                })
                .is_err()
            {
                return;
            }
        }
    });
    Ok(resizable)
}
