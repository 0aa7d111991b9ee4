//! `virtual_routes`: added with the VIPs on becoming MASTER, removed on
//! leaving it, through rtnetlink as `ip route` would.

use super::{nl, IoError};
use kad_config::model::{Route, RouteType as CfgType};
use netlink_packet_route::route::{RouteMessage, RouteProtocol, RouteScope, RouteType};
use rtnetlink::RouteMessageBuilder;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn scope(s: Option<&str>) -> Option<RouteScope> {
    Some(match s? {
        "host" => RouteScope::Host,
        "link" => RouteScope::Link,
        "site" => RouteScope::Site,
        "nowhere" => RouteScope::NoWhere,
        _ => RouteScope::Universe,
    })
}

/// keepalived marks its routes `proto keepalived` (18), so that it knows
/// them again in the kernel's reports; only a `no_track` route may name its
/// own `protocol`.
fn protocol(r: &Route) -> RouteProtocol {
    let named = r.protocol.as_deref().filter(|_| r.no_track);
    match named {
        Some("kernel") => RouteProtocol::Kernel,
        Some("boot") => RouteProtocol::Boot,
        Some("static") => RouteProtocol::Static,
        Some(n) => n
            .parse::<u8>()
            .map_or(RouteProtocol::KeepAlived, RouteProtocol::from),
        None => RouteProtocol::KeepAlived,
    }
}

/// The netlink message for `r`; `ifindex` resolves `dev` names.
pub fn message(r: &Route, ifindex: impl Fn(&str) -> Option<u32>) -> Result<RouteMessage, IoError> {
    let via = r.via.or_else(|| r.nexthops.first().and_then(|h| h.via));
    let dev = r
        .dev
        .clone()
        .or_else(|| r.nexthops.first().and_then(|h| h.dev.clone()));
    let oif = match &dev {
        Some(d) => Some(ifindex(d).ok_or_else(|| IoError::NoInterface(d.clone()))?),
        None => None,
    };
    let msg = match r.dst.addr {
        IpAddr::V4(d) => {
            let mut b = RouteMessageBuilder::<Ipv4Addr>::new().destination_prefix(d, r.dst.len);
            if let Some(IpAddr::V4(g)) = via {
                b = b.gateway(g);
            }
            if let Some(IpAddr::V4(s)) = r.src {
                b = b.pref_source(s);
            }
            common(b, r, via.is_some(), oif).build()
        }
        IpAddr::V6(d) => {
            let mut b = RouteMessageBuilder::<Ipv6Addr>::new().destination_prefix(d, r.dst.len);
            if let Some(IpAddr::V6(g)) = via {
                b = b.gateway(g);
            }
            if let Some(IpAddr::V6(s)) = r.src {
                b = b.pref_source(s);
            }
            common(b, r, via.is_some(), oif).build()
        }
    };
    Ok(msg)
}

fn common<T>(
    mut b: RouteMessageBuilder<T>,
    r: &Route,
    has_via: bool,
    oif: Option<u32>,
) -> RouteMessageBuilder<T> {
    if let Some(idx) = oif {
        b = b.output_interface(idx);
    }
    if let Some(t) = r.table {
        b = b.table_id(t);
    }
    if let Some(m) = r.metric {
        b = b.priority(m);
    }
    if let Some(s) = scope(r.scope.as_deref()) {
        b = b.scope(s);
    } else if !has_via && oif.is_some() && r.kind == CfgType::Unicast {
        // `ip route add P dev X` is a link-scope route.
        b = b.scope(RouteScope::Link);
    }
    b = b.kind(match r.kind {
        CfgType::Unicast => RouteType::Unicast,
        CfgType::Blackhole => RouteType::BlackHole,
        CfgType::Unreachable => RouteType::Unreachable,
        CfgType::Prohibit => RouteType::Prohibit,
        CfgType::Throw => RouteType::Throw,
    });
    if r.onlink {
        b = b.onlink();
    }
    b.protocol(protocol(r))
}

pub async fn add(handle: &rtnetlink::Handle, msg: RouteMessage, what: &str) -> Result<(), IoError> {
    match handle.route().add(msg).execute().await {
        Ok(()) => Ok(()),
        Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::EEXIST => Ok(()),
        Err(e) => Err(nl(format!("adding route {what}"))(e)),
    }
}

pub async fn del(handle: &rtnetlink::Handle, msg: RouteMessage, what: &str) -> Result<(), IoError> {
    match handle.route().del(msg).execute().await {
        Ok(()) => Ok(()),
        Err(rtnetlink::Error::NetlinkError(e))
            if e.raw_code() == -libc::ESRCH || e.raw_code() == -libc::ENOENT =>
        {
            Ok(())
        }
        Err(e) => Err(nl(format!("removing route {what}"))(e)),
    }
}
